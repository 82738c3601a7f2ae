// Pure helpers of `prodctl logs`: which log files belong to a service, and the time of a line
// (pino JSON `time`, an ISO timestamp, or logfmt `ts=`), for --since.
const ISO = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))/;

export function lineTime(line: string): number | null {
  if (line.startsWith('{')) {
    try {
      const t = (JSON.parse(line) as { time?: unknown }).time;
      if (typeof t === 'number') return t;
      if (typeof t === 'string' && !Number.isNaN(Date.parse(t))) return Date.parse(t);
    } catch {
      // not JSON after all
    }
  }
  const m = ISO.exec(line);
  return m ? Date.parse(m[1]) : null;
}

/** Lines at or after `since` (epoch ms); a line without a time of its own keeps the last one seen. */
export function filterSince(lines: string[], since: number): string[] {
  let last: number | null = null;
  return lines.filter((l) => {
    last = lineTime(l) ?? last;
    return last !== null && last >= since;
  });
}

/** Log ids of a service: `api` → api-1, api-4…; an exact id (`api-4`, `postgres`) → itself. */
export function matchLogIds(ids: string[], service: string): string[] {
  if (ids.includes(service)) return [service];
  return ids.filter((id) => id.startsWith(`${service}-`) && /^\d+$/.test(id.slice(service.length + 1))).sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop()));
}
