// One place for terminal output: colour (honouring NO_COLOR), JSON, tables and log lines.
import { redactText, redactValue } from './redact.js';

export interface OutputOptions {
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export function shouldColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR) return true;
  return Boolean(stream.isTTY);
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Color = keyof typeof codes;

export function paint(text: string, color: Color, enabled = shouldColor()): string {
  return enabled ? `\u001b[${codes[color]}m${text}\u001b[0m` : text;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(redactValue(value), null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${redactText(text)}\n`);
}

export function printErr(text: string): void {
  process.stderr.write(`${redactText(text)}\n`);
}

/** Plain text table; widths from content, ANSI codes ignored when measuring. */
export function formatTable(headers: string[], rows: string[][]): string {
  const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
  const widths = headers.map((h, i) => Math.max(strip(h).length, ...rows.map((r) => strip(r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - strip(c).length))).join('  ').trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m < 60 ? `${m}m${s ? `${s}s` : ''}` : `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
