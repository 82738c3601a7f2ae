// `prodctl logs <service> [-f] [--since] [--tail]` on the native target: each process logs to
// <state>/native/logs/<id>.log; a service with several replicas shows each line prefixed by its id.
// Replicas replaced by a deploy keep their files: `prodctl logs api-4` shows one of them.
import { existsSync, openSync, readdirSync, readFileSync, readSync, statSync, closeSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../lib/errors.js';
import { parseDuration } from '../../profile/units.js';
import type { TargetContext } from '../types.js';
import { filterSince, matchLogIds } from './log-lines.js';
import { nativePaths } from './supervisor/paths.js';
import { findSupervisor } from './supervisor/supervisor-client.js';

export async function nativeLogs(ctx: TargetContext, service: string, o: { follow: boolean; since?: string; tail?: number }, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const paths = nativePaths(ctx.stateDir);
  const all = existsSync(paths.logDir) ? readdirSync(paths.logDir).filter((f) => f.endsWith('.log')).map((f) => f.slice(0, -4)) : [];
  // The running replicas when the stack is up; past replicas' files stay readable by their id.
  const running = (await (await findSupervisor(ctx.stateDir))?.status())?.filter((p) => p.service === service && all.includes(p.id)).map((p) => p.id) ?? [];
  const ids = running.length ? running : matchLogIds(all, service);
  if (!ids.length) throw new UsageError(`no logs for '${service}' in ${paths.logDir}`, `services with logs: ${[...new Set(all.map((i) => i.replace(/-\d+$/, '')))].sort().join(', ') || 'none (is the stack up?)'}`);
  const since = o.since ? Date.now() - parseDuration(o.since) : null;
  const prefix = (id: string) => (ids.length > 1 ? `${id} | ` : '');
  const offsets = new Map<string, number>();
  for (const id of ids) {
    const file = path.join(paths.logDir, `${id}.log`);
    const text = readFileSync(file, 'utf8');
    offsets.set(id, Buffer.byteLength(text));
    let lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (since !== null) lines = filterSince(lines, since);
    if (o.tail !== undefined) lines = lines.slice(-o.tail);
    for (const l of lines) write(`${prefix(id)}${l}\n`);
  }
  if (!o.follow) return;
  // Follow: poll the files for appended bytes until interrupted.
  const partial = new Map<string, string>();
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ids) {
      const file = path.join(paths.logDir, `${id}.log`);
      const size = existsSync(file) ? statSync(file).size : 0;
      const from = offsets.get(id) ?? 0;
      if (size <= from) continue;
      const fd = openSync(file, 'r');
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      closeSync(fd);
      offsets.set(id, size);
      const chunk = (partial.get(id) ?? '') + buf.toString('utf8');
      const lines = chunk.split('\n');
      partial.set(id, lines.pop() ?? '');
      for (const l of lines) write(`${prefix(id)}${l}\n`);
    }
  }
}
