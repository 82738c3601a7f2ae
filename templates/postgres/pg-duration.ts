// Durations as postgresql.conf writes them (h, min, s, ms: the largest exact unit). Pure.
import { parseDuration } from '../../profile/units.js';

export function formatDuration(d: string): string {
  const ms = parseDuration(d);
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
