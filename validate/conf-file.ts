// Reading back the two key/value server configs we render: which settings a file holds, and
// numbers with units brought to one base so "1GB" in the file equals "131072" × 8kB in pg_settings.
import { existsSync, readFileSync } from 'node:fs';

/** `name = value` (Postgres) or `name value` (Redis) lines; comments and blanks skipped; quotes removed. */
export function parseConfFile(text: string, separator: '=' | ' '): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(separator);
    const name = (i < 0 ? line : line.slice(0, i)).trim();
    const value = i < 0 ? '' : line.slice(i + 1).trim();
    out.set(name, unquote(value));
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"')))) {
    return v.slice(1, -1).replace(/''/g, "'");
  }
  return v;
}

const PG_MEMORY: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, '8kB': 8192, '16MB': 16 * 1024 ** 2 };
const PG_TIME: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const PG_BOOL: Record<string, string> = { on: 'on', true: 'on', yes: 'on', '1': 'on', off: 'off', false: 'off', no: 'off', '0': 'off' };

/**
 * A Postgres value as the server would compare it: numbers with units in bytes or ms (a bare
 * number takes the setting's own unit), booleans as on/off, everything else as written.
 */
export function normalisePgValue(value: string, unit: string | null, vartype: string): string {
  const v = value.trim();
  if (vartype === 'bool') return PG_BOOL[v.toLowerCase()] ?? v;
  if (vartype !== 'integer' && vartype !== 'real') return vartype === 'enum' ? v.toLowerCase() : v;
  const m = /^(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(v);
  if (!m) return v;
  const n = Number(m[1]);
  const suffix = m[2] || unit || '';
  const factor = PG_MEMORY[suffix] ?? PG_TIME[suffix] ?? 1;
  // -1 and 0 are sentinels ("auto", "off"), never scaled
  return String(n <= 0 ? n : n * factor);
}

/** Redis sizes: 1k = 1000, 1kb = 1024 (and m/mb, g/gb), as redis.conf reads them. */
export function normaliseRedisValue(value: string): string {
  const m = /^(\d+)(k|kb|m|mb|g|gb)$/i.exec(value.trim());
  if (!m) return value.trim();
  const unit = m[2].toLowerCase();
  const factor = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 }[unit] ?? 1;
  return String(Number(m[1]) * factor);
}

/** The last lines of a server's log, for the report when it refused to start. */
export function logTail(file: string, n = 8): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n) : [];
}
