// The native target: the whole stack as supervised local processes under <state>/native, from the
// same plan and rendered files as the other targets. The embedded default when no Docker engine
// answers. up, deploy and rollback hold the state folder's deploy lock and record their releases.
// See docs/native.md.
import { createFileLockStore } from '../../state/lock.js';
import type { Target } from '../types.js';
import { assertRollbackBuild, withNativeRelease } from './native-releases.js';

export function createNativeTarget(): Target {
  return {
    kind: 'native',
    up: (ctx) => withNativeRelease(ctx, 'up', {}, async () => (await import('./native-up.js')).nativeUp(ctx)),
    deploy: (ctx, opts) => withNativeRelease(ctx, 'deploy', opts, async () => (await import('./native-deploy.js')).nativeDeploy(ctx, opts)),
    status: async (ctx) => (await import('./native-status.js')).nativeStatus(ctx),
    scale: async (ctx, counts) => (await import('./native-scale.js')).nativeScale(ctx, counts),
    down: async (ctx, opts) => {
      const { nativeDown } = await import('./native-down.js');
      for (const line of await nativeDown(ctx, opts)) ctx.log.info(line);
    },
    logs: async (ctx, service, opts) => (await import('./native-logs.js')).nativeLogs(ctx, service, opts),
    // The earlier build through the deploy's own rolling path: each API replica drained at the edge before it stops.
    rollback: (ctx, opts) =>
      withNativeRelease(ctx, 'rollback', opts, async () => {
        assertRollbackBuild(ctx, opts);
        return (await import('./native-deploy.js')).nativeDeploy(ctx, opts);
      }),
    lockStore: (ctx) => createFileLockStore(ctx.stateDir),
  };
}
