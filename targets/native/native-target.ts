// The native target: the whole stack as supervised local processes under <state>/native, from the
// same plan and rendered files as the other targets. The embedded default when no Docker engine
// answers. See docs/native.md.
import type { Target } from '../types.js';

export function createNativeTarget(): Target {
  return {
    kind: 'native',
    up: async (ctx) => (await import('./native-up.js')).nativeUp(ctx),
    deploy: async (ctx, opts) => (await import('./native-deploy.js')).nativeDeploy(ctx, opts),
    status: async (ctx) => (await import('./native-status.js')).nativeStatus(ctx),
    scale: async (ctx, counts) => (await import('./native-scale.js')).nativeScale(ctx, counts),
    down: async (ctx, opts) => {
      const { nativeDown } = await import('./native-down.js');
      for (const line of await nativeDown(ctx, opts)) ctx.log.info(line);
    },
    logs: async (ctx, service, opts) => (await import('./native-logs.js')).nativeLogs(ctx, service, opts),
  };
}
