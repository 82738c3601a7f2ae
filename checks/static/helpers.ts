// Small shared readers for static checks: services by role, env values, durations in rendered form.
import { roleOf, type ServiceView } from '../service-view.js';
import type { StaticInput } from '../types.js';

export function servicesOf(input: StaticInput, role: string): ServiceView[] {
  return input.parsed.services.filter((s) => roleOf(s.name) === role);
}

export function where(input: StaticInput, s: ServiceView): string {
  return `${input.parsed.servicesSource}: services.${s.name}`;
}

/** An env value as a number, or null when missing/blank/not numeric. */
export function envNumber(s: ServiceView, key: string): number | null {
  const v = s.environment[key];
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Postgres time settings: '30s', '30000' (ms), '1min'. Returns ms, or null when unset. */
export function pgMillis(v: string | undefined): number | null {
  if (v === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?$/.exec(v.trim());
  if (!m) return null;
  const mult: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * mult[m[2] ?? 'ms'];
}

/** Postgres memory settings: '1GB', '128MB', '8kB', plain numbers in 8 kB pages. */
export function pgBytes(v: string | undefined): number | null {
  if (v === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?$/.exec(v.trim());
  if (!m) return null;
  const mult: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
  return m[2] ? Number(m[1]) * mult[m[2]] : Number(m[1]) * 8192;
}

/** Redis memory notation: 768mb, 1gb, 100000 (bytes). */
export function redisBytes(v: string | undefined): number | null {
  if (v === undefined) return null;
  const m = /^(\d+)\s*(k|kb|m|mb|g|gb)?$/i.exec(v.trim());
  if (!m) return null;
  const unit = (m[2] ?? '').toLowerCase();
  const mult: Record<string, number> = { '': 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(m[1]) * mult[unit];
}

/** Collect offenders over app/data services (every service of the stack). */
export function offendersOver(input: StaticInput, test: (s: ServiceView) => string | null): string[] {
  // A stack with no services proves nothing: it must not pass vacuously.
  if (input.parsed.services.length === 0) return [`${input.parsed.servicesSource}: no services to check`];
  return input.parsed.services.map((s) => {
    const why = test(s);
    return why ? `${where(input, s)}: ${why}` : null;
  }).filter((x): x is string => x !== null);
}
