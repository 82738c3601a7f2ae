// `prodctl backup schedule --run-loop`: an in-process scheduler for targets without cron or
// systemd (the Docker target's scheduler service runs this). Each run is a child `prodctl backup
// --json` process, so a crash or leak in one backup never takes the loop down, and a run that
// overlaps the next fire time simply delays it (never two backups at once).
import { spawn } from 'node:child_process';
import { nextRunAfter } from '../backup/schedule.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';

export async function runBackupLoop(ctx: CliContext, o: { cron?: string; once?: boolean }): Promise<void> {
  const cron = o.cron ?? (await loadPlan(ctx)).profile.backup.schedule;
  const args = [process.argv[1], '-f', ctx.profilePath, '--state-dir', ctx.stateDir, ...(ctx.envName ? ['-e', ctx.envName] : []), ...ctx.sets.flatMap((v) => ['--set', v]), 'backup', '--json'];
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  while (!stop) {
    const next = nextRunAfter(cron, new Date());
    ctx.log.info(`next backup at ${next.toISOString()} ("${cron}")`);
    while (!stop && Date.now() < next.getTime()) await new Promise((r) => setTimeout(r, Math.min(1000, next.getTime() - Date.now())));
    if (stop) break;
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('exit', (c) => resolve(c ?? 1));
    });
    ctx.log.info(`backup finished with exit code ${code}`);
    if (o.once) break;
  }
}
