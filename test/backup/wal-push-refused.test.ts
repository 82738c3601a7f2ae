// wal-push into a backup folder the postgres account may not write: Postgres' log gets prodctl's
// `error: … — …` naming the target and the fix (not "a bug in prodctl"), the exit status is
// non-zero (Postgres keeps the segment and retries), and the target holds no half-written file.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { chownTree, serviceUser } from '../../lib/system-user.js';
import { makePitrEnv, repo } from './pitr-support.js';

const env = makePitrEnv('60s');
afterAll(() => rmSync(env.dir, { recursive: true, force: true }));
const user = serviceUser('postgres');
if (!user && process.env.CI === 'true') throw new Error('wal-push-refused needs root and the postgres account (apt-get install -y postgresql)');

describe.skipIf(!user)('wal-push refused by the target', () => {
  it('names the target and the account to fix, fails, and leaves nothing behind', async () => {
    const seg = path.join(env.dir, '000000010000000000000001');
    writeFileSync(seg, Buffer.alloc(64 * 1024, 7));
    chownTree(env.dir, user);
    // Owned by root, 0755: the postgres account can enter but not write.
    const target = path.join(env.dir, 'root-owned');
    mkdirSync(path.join(target, 'wal/00000001'), { recursive: true, mode: 0o755 });
    const r = await execa('node', [path.join(repo, 'bin/prodctl.js'), '-f', env.profile, '--state-dir', env.state, 'wal-push', seg, '000000010000000000000001', '--to', target], {
      reject: false,
      uid: user!.uid,
      gid: user!.gid,
      env: { NO_COLOR: '1' },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: wal-push: local folder .*root-owned refuses the write \(EACCES: .*\) — Postgres runs wal-push as its own account: let it write the backup target/m);
    expect(r.stderr).not.toMatch(/bug in prodctl/);
    expect(readdirSync(path.join(target, 'wal/00000001'))).toEqual([]);
  });
});
