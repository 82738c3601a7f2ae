// `backup schedule`: turns the profile's cron expression into what runs it. Pure renderers; the
// CLI writes the files into the state folder and prints how to install them.
import { CronExpressionParser } from 'cron-parser';
import { BackupError } from '../lib/errors.js';

export interface ScheduleInput {
  cron: string;
  /** Absolute command to run, e.g. ['/usr/bin/prodctl', '-f', '/srv/app/prodctl.yaml', 'backup', '--verify']. */
  command: string[];
  project: string;
  user?: string;
  /** On the Docker target the backup talks to the engine: the unit waits for docker.service. */
  target?: 'native' | 'docker' | 'swarm';
  /** What the unit runs, in its descriptions: 'backup' (default) or e.g. 'certificate renewal'. */
  job?: string;
}

const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function parseCronFields(cron: string): [string, string, string, string, string] {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5 || !f.every((x) => /^[\d*,/-]+$/.test(x))) {
    throw new BackupError(`backup.schedule "${cron}" is not a 5-field cron expression of numbers`, 'e.g. "0 3 * * *" (03:00 every day)');
  }
  return f as [string, string, string, string, string];
}

/** One cron field → systemd calendar syntax: "*"→"*", "1-5"→"1..5", "*\/15"→"0/15", lists kept. */
function toCalendarField(field: string, pad: number, star = '*'): string {
  if (field === '*') return star;
  return field
    .split(',')
    .map((part) => {
      const [range, step] = part.split('/');
      const [from, to] = range === '*' ? ['0', undefined] : range.split('-');
      const p = (v: string) => v.padStart(pad, '0');
      const base = to !== undefined ? `${p(from)}..${p(to)}` : p(from);
      return step ? `${base}/${step}` : base;
    })
    .join(',');
}

export function cronToOnCalendar(cron: string): string {
  const [min, hour, dom, mon, dow] = parseCronFields(cron);
  // cron runs when EITHER restricted day field matches, systemd only when BOTH do: refuse rather
  // than render a timer that fires on other days than the cron entry.
  if (dom !== '*' && dow !== '*') throw new BackupError(`backup.schedule "${cron}" restricts both day-of-month and day-of-week`, 'cron ORs them but systemd ANDs them; restrict only one');
  const days =
    dow === '*'
      ? ''
      : `${dow
          .split(',')
          .map((d) => {
            const [a, b] = d.split('-').map((x) => DOW[Number(x) % 7]);
            if (!a) throw new BackupError(`cron day-of-week "${dow}" is not supported`, 'use numbers 0-7, lists and ranges');
            return b ? `${a}..${b}` : a;
          })
          .join(',')} `;
  return `${days}*-${toCalendarField(mon, 2)}-${toCalendarField(dom, 2)} ${toCalendarField(hour, 2)}:${toCalendarField(min, 2)}:00`;
}

export function renderCronEntry(s: ScheduleInput): string {
  parseCronFields(s.cron);
  return `# prodctl ${s.job ?? 'backup'} for ${s.project} (from ${s.job ? 'prodctl' : 'backup.schedule in the profile'})\n${s.cron} ${s.user ?? 'root'} ${s.command.map(shellQuote).join(' ')}\n`;
}

export function renderSystemdUnits(s: ScheduleInput): { service: string; timer: string } {
  const service = [
    '[Unit]',
    `Description=prodctl ${s.job ?? 'backup'} of ${s.project}`,
    ...(s.target && s.target !== 'native' ? ['After=network-online.target docker.service', 'Wants=docker.service'] : ['After=network-online.target']),
    '',
    '[Service]',
    'Type=oneshot',
    `User=${s.user ?? 'root'}`,
    `ExecStart=${s.command.map(shellQuote).join(' ')}`,
    'Nice=10',
    'IOSchedulingClass=best-effort',
    'IOSchedulingPriority=7',
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=Run the prodctl ${s.job ?? 'backup'} of ${s.project} on schedule (${s.cron})`,
    '',
    '[Timer]',
    `OnCalendar=${cronToOnCalendar(s.cron)}`,
    // A missed run (machine off) runs at next boot; jitter keeps many hosts off the same second.
    'Persistent=true',
    'RandomizedDelaySec=60',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { service, timer };
}

/** Next time the cron expression fires strictly after `after` (UTC), for the in-process scheduler. */
export function nextRunAfter(cron: string, after: Date): Date {
  // The in-process loop also takes a leading seconds field (6 fields), which systemd and cron
  // cannot express; the profile's schedule itself stays 5 fields.
  const f = cron.trim().split(/\s+/);
  if (f.length === 6 && f.every((x) => /^[\d*,/-]+$/.test(x))) return CronExpressionParser.parse(cron, { currentDate: after, tz: 'UTC' }).next().toDate();
  parseCronFields(cron);
  return CronExpressionParser.parse(cron, { currentDate: after, tz: 'UTC' }).next().toDate();
}
