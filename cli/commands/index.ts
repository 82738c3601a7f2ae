// Every command, in the order `--help` lists them. Each file only declares options and
// lazy-imports its implementation.
import type { Command } from 'commander';
import * as init from './init.js';
import * as schema from './schema.js';
import * as validate from './validate.js';
import * as plan from './plan.js';
import * as render from './render.js';
import * as build from './build.js';
import * as up from './up.js';
import * as deploy from './deploy.js';
import * as status from './status.js';
import * as slo from './slo.js';
import * as drill from './drill.js';
import * as scale from './scale.js';
import * as autoscale from './autoscale.js';
import * as rollback from './rollback.js';
import * as releases from './releases.js';
import * as lock from './lock.js';
import * as logs from './logs.js';
import * as down from './down.js';
import * as migrate from './migrate.js';
import * as keys from './keys.js';
import * as check from './check.js';
import * as backup from './backup.js';
import * as restore from './restore.js';
import * as wal from './wal.js';
import * as loadtest from './loadtest.js';
import * as node from './node.js';
import * as tls from './tls.js';

export function registerCommands(program: Command): void {
  for (const mod of [init, schema, validate, plan, render, build, up, deploy, status, slo, drill, scale, autoscale, rollback, releases, lock, logs, down, migrate, keys, check, backup, restore, wal, loadtest, node, tls]) {
    mod.register(program);
  }
}
