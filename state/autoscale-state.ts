// The worker autoscaler's last decision in the state folder, for `prodctl status` (the "why"
// column) and for a restarted controller, which resumes its history instead of starting blind.
import fs from 'node:fs';
import path from 'node:path';

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
