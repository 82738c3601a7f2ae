// Durations ("500ms", "30s", "5m", "1h", "7d") and sizes ("512M", "4G", "50MB", "1GiB") as the
// profile writes them, parsed to milliseconds and bytes.
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)?$/;
const SIZE_POW: Record<string, number> = { B: 0, K: 1, KB: 1, KiB: 1, M: 2, MB: 2, MiB: 2, G: 3, GB: 3, GiB: 3, T: 4, TB: 4, TiB: 4 };

export function isDuration(v: string): boolean {
  return DURATION.test(v);
}

export function parseDuration(v: string): number {
  const m = DURATION.exec(v);
  if (!m) throw new Error(`not a duration: ${v}`);
  return Math.round(Number(m[1]) * DURATION_MS[m[2]]);
}

export function isSize(v: string): boolean {
  return SIZE.test(v);
}

/** Sizes are binary (1M = 1024² bytes), as Docker and Redis read them. */
export function parseSize(v: string): number {
  const m = SIZE.exec(v);
  if (!m) throw new Error(`not a size: ${v}`);
  return Math.round(Number(m[1]) * 1024 ** SIZE_POW[m[2] ?? 'B']);
}

export function formatSizeForDocker(bytes: number): string {
  const mib = bytes / 1024 ** 2;
  return Number.isInteger(mib) ? `${mib}m` : `${bytes}b`;
}
