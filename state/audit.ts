// Append-only JSONL audit log of every mutating command (deploy, rollback, scale, lock release, …).
// One line per command, written with O_APPEND so concurrent writers never interleave a line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface AuditEntry {
  at: string;
  who: string;
  host: string;
  pid: number;
  command: string;
  args: string[];
  outcome: 'ok' | 'failed' | 'noop' | 'refused';
  durationMs: number;
  detail?: string;
}

export function auditFile(stateDir: string): string {
  return path.join(stateDir, 'audit.jsonl');
}

/** Who runs prodctl: PRODCTL_USER (CI sets it) or the OS account. */
export function describeActor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PRODCTL_USER) return env.PRODCTL_USER;
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? 'unknown';
  }
}

export function appendAudit(stateDir: string, entry: Omit<AuditEntry, 'at' | 'who' | 'host' | 'pid'> & Partial<AuditEntry>): AuditEntry {
  const full: AuditEntry = { at: new Date().toISOString(), who: describeActor(), host: os.hostname(), pid: process.pid, ...entry };
  fs.mkdirSync(stateDir, { recursive: true });
  fs.appendFileSync(auditFile(stateDir), `${JSON.stringify(full)}\n`, { flag: 'a' });
  return full;
}

export function readAudit(stateDir: string): AuditEntry[] {
  const file = auditFile(stateDir);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditEntry);
}

/** Runs a mutating command and records it, whatever the outcome. */
export async function withAudit<T>(stateDir: string, command: string, args: string[], fn: () => Promise<T>, outcomeOf?: (r: T) => AuditEntry['outcome']): Promise<T> {
  const started = Date.now();
  try {
    const result = await fn();
    appendAudit(stateDir, { command, args, outcome: outcomeOf ? outcomeOf(result) : 'ok', durationMs: Date.now() - started });
    return result;
  } catch (err) {
    appendAudit(stateDir, { command, args, outcome: 'failed', durationMs: Date.now() - started, detail: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
