// Every command path that reads a secret, run with --verbose against a service that fails by
// quoting back whatever it was sent (passwords, API keys, the Authorization header): no secret
// value may reach stdout, stderr or the audit log. The service's own record proves each secret
// really went out, so a command that never sent it cannot pass by accident.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReflectingServer, type ReflectingServer } from '../support/reflecting-server.js';
import { runCli } from './run-cli.js';

let server: ReflectingServer;
let dir: string;
let state: string;
let secrets: Record<string, string>;
const checkKey = `pdk_${randomBytes(24).toString('base64url')}`;

beforeAll(async () => {
  server = await startReflectingServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'prodctl-redact-'));
  const init = await runCli(['init', '--preset', 'small', '--dir', dir, '--name', 'redact']);
  expect(init.exitCode).toBe(0);
  secrets = Object.fromEntries(readdirSync(path.join(dir, 'secrets')).filter((f) => !f.startsWith('.')).map((f) => [f, readFileSync(path.join(dir, 'secrets', f), 'utf8').trim()]));
  expect(Object.keys(secrets)).toEqual(expect.arrayContaining(['postgres_password', 'redis_password', 'api_key_pepper']));
  state = path.join(dir, 'state');
  mkdirSync(path.join(state, 'native'), { recursive: true });
  const at = { host: '127.0.0.1', port: server.port };
  writeFileSync(path.join(state, 'native', 'endpoints.json'), JSON.stringify({ postgres: at, redis: at, api: [{ id: 'api-1', ...at, metricsPort: server.port }], uploadsDir: path.join(dir, 'uploads') }));
  writeFileSync(path.join(dir, 'check-key'), checkKey, { mode: 0o600 });
  mkdirSync(path.join(dir, 'uploads'));
});

afterAll(async () => {
  await server?.close();
});

const base = () => ['-f', path.join(dir, 'prodctl.yaml'), '--state-dir', state, '--set', 'target=native', '--set', 'edge.kind=haproxy', '--verbose'];
const pgUrl = () => `postgres://pdfsvc:${encodeURIComponent(secrets.postgres_password)}@127.0.0.1:${server.port}/pdfsvc`;

// [what, argv after the global options, env, the secrets the command sends to the service]
const PATHS: [string, () => string[], Record<string, string>, string[]][] = [
  ['migrate (profile secret)', () => ['migrate'], {}, ['postgres_password']],
  ['keys create (pepper and profile secret)', () => ['keys', 'create', '--user', 'redact'], {}, ['postgres_password']],
  ['keys list --database-url (password in the URL)', () => ['keys', 'list', '--database-url', pgUrl()], {}, ['postgres_password']],
  ['backup, Postgres part', () => ['backup', '--parts', 'postgres', '--no-verify', '--to', path.join(dir, 'sets')], {}, ['postgres_password']],
  ['backup, Redis part', () => ['backup', '--parts', 'redis', '--no-verify', '--to', path.join(dir, 'sets')], {}, ['redis_password']],
  ['check --live-only --api-key-file', () => ['check', '--live-only', '--api-key-file', path.join(dir, 'check-key')], {}, ['postgres_password', 'redis_password', 'check key']],
  ['check --live-only with PRODCTL_CHECK_API_KEY', () => ['check', '--live-only'], { PRODCTL_CHECK_API_KEY: checkKey }, ['postgres_password', 'redis_password', 'check key']],
  ['loadtest run (mints keys with the pepper)', () => ['loadtest', 'run', '--target', `http://127.0.0.1:${server.port}`, '--engine', 'builtin'], {}, ['postgres_password']],
];

describe('no secret in any output of a failing command', () => {
  it.each(PATHS)('%s', async (_what, args, env, sent) => {
    const before = server.received().length;
    const r = await runCli([...base(), ...args()], { cwd: dir, env });
    const value = (name: string) => (name === 'check key' ? checkKey : secrets[name]);
    // The failing service got the secrets (and quoted them back in its answers).
    const got = server.received().slice(before);
    for (const name of sent) expect(got, `${name} was sent`).toContain(value(name));
    expect(r.exitCode).not.toBe(0);
    const audit = existsSync(path.join(state, 'audit.jsonl')) ? readFileSync(path.join(state, 'audit.jsonl'), 'utf8') : '';
    for (const [name, v] of [...Object.entries(secrets), ['check key', checkKey]]) {
      expect(r.stdout, `${name} in stdout`).not.toContain(v);
      expect(r.stderr, `${name} in stderr`).not.toContain(v);
      expect(audit, `${name} in the audit log`).not.toContain(v);
    }
    expect(`${r.stdout}${r.stderr}`).toMatch(/error|fail|FAIL/i);
  });
});
