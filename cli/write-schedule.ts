// Writes a schedule's cron entry and systemd units into a folder of the state; shared by
// `backup schedule` and `tls schedule`. Installing them is the operator's call.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderCronEntry, renderSystemdUnits, type ScheduleInput } from '../backup/schedule.js';

export interface ScheduleFiles {
  cron: string;
  service: string;
  timer: string;
}

export function writeScheduleFiles(dir: string, unit: string, input: ScheduleInput): ScheduleFiles {
  mkdirSync(dir, { recursive: true });
  const { service, timer } = renderSystemdUnits(input);
  const files = { cron: path.join(dir, unit), service: path.join(dir, `${unit}.service`), timer: path.join(dir, `${unit}.timer`) };
  writeFileSync(files.cron, renderCronEntry(input));
  writeFileSync(files.service, service);
  writeFileSync(files.timer, timer);
  return files;
}
