// `prodctl backup schedule`: renders the profile's schedule as a cron entry and a systemd timer
// into <state>/backup-schedule/ and prints how to install them. It installs nothing itself:
// writing /etc is the operator's call.
import path from 'node:path';
import { cronToOnCalendar } from '../backup/schedule.js';
import { printJson, printLine } from '../lib/output.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';
import { writeScheduleFiles } from './write-schedule.js';

export async function runBackupSchedule(ctx: CliContext, o: { prodctlBin?: string }): Promise<void> {
  const plan = await loadPlan(ctx);
  const unit = `prodctl-backup-${plan.project}`;
  const bin = o.prodctlBin ?? process.argv[1] ?? 'prodctl';
  const command = [bin, '-f', ctx.profilePath, '--state-dir', ctx.stateDir, ...(ctx.envName ? ['-e', ctx.envName] : []), ...ctx.sets.flatMap((v) => ['--set', v]), 'backup', '--json'];
  const input = { cron: plan.profile.backup.schedule, command, project: plan.project, target: plan.target };
  const dir = path.join(ctx.stateDir, 'backup-schedule');
  const files = writeScheduleFiles(dir, unit, input);
  const install = {
    systemd: [`cp ${files.service} ${files.timer} /etc/systemd/system/`, 'systemctl daemon-reload', `systemctl enable --now ${unit}.timer`, `systemctl list-timers ${unit}.timer`],
    cron: [`cp ${files.cron} /etc/cron.d/${unit}`, `chmod 644 /etc/cron.d/${unit}`],
  };
  if (ctx.json) return printJson({ schedule: input.cron, onCalendar: cronToOnCalendar(input.cron), target: plan.target, files, install });
  printLine(`backup schedule "${input.cron}" (systemd OnCalendar=${cronToOnCalendar(input.cron)}) rendered into ${dir}`);
  printLine('\nInstall as a systemd timer (preferred: catches up missed runs, logs to the journal):');
  for (const l of install.systemd) printLine(`  ${l}`);
  printLine('\nor as a cron entry:');
  for (const l of install.cron) printLine(`  ${l}`);
}
