// `prodctl status` against a live monitored stack: --json numbers from the real Prometheus,
// firing alerts from the real Alertmanager, the backup textfile; graceful without Prometheus;
// and `--watch` in tmux, read with capture-pane, whose numbers move while load runs.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderSamplePdf } from '../../loadtest/sample-pdf.js';
import { mintKey, submitJob, uploadPdf } from '../runtime/support.js';
import { getFreePort } from '../../lib/net.js';
import { uniqueName } from '../support/services.js';
import { FAST_MONITORING, startLiveStack, writeTextfiles, type LiveStack } from './live-stack.js';
import { queryPrometheus, waitFor } from './monitoring-processes.js';
import { repoRoot } from './monitoring-fixtures.js';

let stack: LiveStack;
let profile = '';
let stateDir = '';
let key = '';
let fileId = '';
const BIN = path.join(repoRoot, 'bin/prodctl.js');

beforeAll(async () => {
  stack = await startLiveStack();
  profile = path.join(stack.dir, 'prodctl.yaml');
  writeFileSync(profile, stringify({ extends: 'medium', ...FAST_MONITORING }));
  stateDir = stack.stateDir;
  writeTextfiles(stack.textfileDir, { backupAgeSeconds: 7200, verifyOk: false, certDays: 60 });
  key = await mintKey(stack.runtime, 'status-user');
  const up = await uploadPdf(stack.api.base, key, Buffer.from(renderSamplePdf(2)));
  fileId = up.body.id;
  await waitFor('api and worker scraped', async () => ((await queryPrometheus(stack.procs.prometheus.port, 'up{job=~"api|worker"} == 1')).data?.result.length ?? 0) === 2, 30_000);
});

afterAll(async () => {
  await stack?.cleanup();
});

function status(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [BIN, '-f', profile, '--state-dir', stateDir, 'status', ...args], { reject: false, env: { NO_COLOR: '1', ...env } });
}

const urls = () => ['--prometheus-url', `http://127.0.0.1:${stack.procs.prometheus.port}`, '--alertmanager-url', `http://127.0.0.1:${stack.procs.alertmanager.port}`];

/** Jobs submitted in a loop until stopped: the load the live numbers follow. */
function startLoad(): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const loop = (async () => {
    while (running) {
      await submitJob(stack.api.base, key, { op: 'info', inputs: [fileId] }).catch(() => undefined);
      await fetch(`${stack.api.base}/v1/jobs/00000000-0000-0000-0000-000000000000`, { headers: { authorization: `Bearer ${key}` } }).catch(() => undefined);
      sent += 2;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return sent;
    },
  };
}

describe('prodctl status', () => {
  it('--json: live numbers from Prometheus, alerts from Alertmanager, the backup from the textfile', async () => {
    const load = startLoad();
    let snap: any;
    try {
      snap = await waitFor('traffic visible in status', async () => {
        const r = await status(['--json', ...urls()]);
        expect(r.exitCode, r.stderr).toBe(0);
        const s = JSON.parse(r.stdout);
        return s.api.rps > 0 && s.workers.jobsPerSecond > 0 ? s : undefined;
      }, 30_000, 1000);
    } finally {
      await load.stop();
    }
    expect(snap.prometheus.reachable).toBe(true);
    expect(snap.alerts.reachable).toBe(true);
    expect(snap.api.p95Seconds).toBeGreaterThan(0);
    expect(snap.postgres.maxConnections).toBeGreaterThan(0);
    expect(snap.postgres.connections).toBeGreaterThan(0);
    expect(snap.redis.maxBytes).toBe(64 * 1024 * 1024);
    expect(snap.redis.usedBytes).toBeGreaterThan(0);
    expect(snap.queue.waiting).not.toBeNull();
    expect(snap.backup.verifyOk).toBe(false);
    expect(snap.backup.ageSeconds).toBeGreaterThanOrEqual(7199);
    // the native target is whatever this build has; either services or the reason they are missing
    expect(snap.services !== null || typeof snap.servicesError === 'string').toBe(true);
  });

  it('shows firing alerts from the Alertmanager API (BackupVerifyFailed from the textfile)', async () => {
    writeTextfiles(stack.textfileDir, { backupAgeSeconds: 60, verifyOk: false, certDays: 60 });
    const snap = await waitFor('BackupVerifyFailed in status', async () => {
      const s = JSON.parse((await status(['--json', ...urls()])).stdout);
      return s.alerts.firing.some((a: any) => a.name === 'BackupVerifyFailed') ? s : undefined;
    }, 30_000, 1000);
    expect(snap.alerts.firing.find((a: any) => a.name === 'BackupVerifyFailed').severity).toBe('critical');
    const text = await status(urls());
    expect(text.stdout).toMatch(/BackupVerifyFailed\s+critical/);
  });

  it('degrades gracefully when Prometheus and Alertmanager are not running', async () => {
    const nobody = `http://127.0.0.1:${await getFreePort()}`;
    const r = await status(['--prometheus-url', nobody, '--alertmanager-url', nobody]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Prometheus unreachable at ${nobody} (ECONNREFUSED)`);
    expect(r.stdout).toContain(`alertmanager  unreachable at ${nobody} (ECONNREFUSED)`);
    expect(r.stdout).toMatch(/verify\s+FAILED/);
    const j = JSON.parse((await status(['--json', '--prometheus-url', nobody, '--alertmanager-url', nobody])).stdout);
    expect(j.prometheus).toEqual({ url: nobody, reachable: false, error: 'ECONNREFUSED' });
    expect(j.api.rps).toBeNull();
  });

  it('rejects a bad --interval and --watch with --json as usage errors (exit 2)', async () => {
    expect((await status(['--interval', 'soon'])).exitCode).toBe(2);
    const r = await status(['--watch', '--json']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--watch and --json do not mix');
  });

  it('--watch in tmux: capture-pane shows numbers that move while load runs', async () => {
    const session = uniqueName('prodctl-status').replace(/[^a-z0-9-]/gi, '');
    const cmd = [process.execPath, BIN, '-f', profile, '--state-dir', stateDir, 'status', '--watch', ...urls()].map((a) => `'${a}'`).join(' ');
    await execa('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '50', `NO_COLOR=1 ${cmd}`]);
    const capture = async () => (await execa('tmux', ['capture-pane', '-p', '-t', session])).stdout;
    const load = startLoad();
    try {
      const first = await waitFor('live view drawn with traffic', async () => {
        const s = await capture();
        return /refresh 2s #\d+/.test(s) && /rps\s+[1-9]/.test(s) ? s : undefined;
      }, 30_000, 500);
      const refreshOf = (s: string) => Number(/#(\d+)/.exec(s)?.[1]);
      const numbersOf = (s: string) => s.split('\n').filter((l) => /^\s+(rps|p95|jobs|throughput|postgres|redis)\s/.test(l)).join('\n');
      const later = await waitFor('numbers moved', async () => {
        const s = await capture();
        return refreshOf(s) > refreshOf(first) && numbersOf(s) !== numbersOf(first) ? s : undefined;
      }, 20_000, 1000);
      expect(later).toContain('Queue and workers');
      expect(later).toContain('Postgres and Redis');
      expect(later).toMatch(/throughput\s+\d+\.\d\d jobs\/s/);
      // eslint-disable-next-line no-console
      console.log(`tmux capture, refresh #${refreshOf(first)} → #${refreshOf(later)}:\n${numbersOf(first)}\n---\n${numbersOf(later)}`);
    } finally {
      await load.stop();
      await execa('tmux', ['kill-session', '-t', session], { reject: false });
    }
  });
});
