// The worker autoscaler's last decision in the state folder, for `prodctl status` (the "why"
// column) and for a restarted controller, which resumes its history instead of starting blind.
import fs from 'node:fs';
import path from 'node:path';
import { METRICS } from '../contract/index.js';

export interface AutoscaleRecord {
  at: string;
  current: number;
  desired: number;
  reason: string;
  why: string;
  applied: boolean;
  history: { at: number; desired: number }[];
  lastScaleDownAt?: number;
}

export function autoscaleStateFile(stateDir: string): string {
  return path.join(stateDir, 'autoscale.json');
}

export function writeAutoscaleState(stateDir: string, r: AutoscaleRecord): void {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = autoscaleStateFile(stateDir);
  // Write then rename: a reader never sees half a file.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(r));
  fs.renameSync(`${file}.tmp`, file);
}

export function readAutoscaleState(stateDir: string): AutoscaleRecord | null {
  const file = autoscaleStateFile(stateDir);
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as AutoscaleRecord;
  } catch {
    return null;
  }
}

export const AUTOSCALE_TEXTFILE = 'prodctl_autoscale.prom';

/** Pure: the last decision as Prometheus text for node-exporter's textfile collector. */
export function renderAutoscaleTextfile(r: AutoscaleRecord, max: number): string {
  const gauge = (spec: { name: string; help: string }, v: number, labels = '') => [`# HELP ${spec.name} ${spec.help}`, `# TYPE ${spec.name} gauge`, `${spec.name}${labels} ${v}`];
  return `${[
    ...gauge(METRICS.autoscalerDesired, r.desired),
    ...gauge(METRICS.autoscalerCurrent, r.current),
    ...gauge(METRICS.autoscalerMax, max),
    ...gauge(METRICS.autoscalerDecision, 1, `{reason="${r.reason}"}`),
  ].join('\n')}\n`;
}

export function writeAutoscaleTextfile(stateDir: string, r: AutoscaleRecord, max: number): void {
  const dir = path.join(stateDir, 'textfile');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, AUTOSCALE_TEXTFILE);
  fs.writeFileSync(`${file}.tmp`, renderAutoscaleTextfile(r, max));
  fs.renameSync(`${file}.tmp`, file);
}

export function removeAutoscaleTextfile(stateDir: string): void {
  fs.rmSync(path.join(stateDir, 'textfile', AUTOSCALE_TEXTFILE), { force: true });
}
