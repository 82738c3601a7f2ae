// `prodctl tls issue|renew|status|schedule`: the profile's edge.tls keys, the state folder's
// certificate and the running HAProxy's runtime API, put together.
import path from 'node:path';
import { cronToOnCalendar } from '../backup/schedule.js';
import { createAcmeIssuer } from '../edge/acme/acme-client-issuer.js';
import { certFileOf, readCertInfo, tlsPaths } from '../edge/tls/cert-store.js';
import { readEdgeCert, renewCert, renewalReason } from '../edge/tls/manage-certs.js';
import type { ServedCert } from '../edge/haproxy/tls-runtime.js';
import { writeTlsTextfile } from '../edge/tls/tls-textfile.js';
import { UsageError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { tlsSettings } from '../plan/tls-settings.js';
import type { StackPlan } from '../plan/types.js';
import { parseDuration } from '../profile/units.js';
import { edgeSocketPath } from '../targets/native/native-config.js';
import { nativePaths } from '../targets/native/supervisor/paths.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';
import { selectTarget } from '../targets/select-target.js';

export interface TlsOptions {
  edgeAdmin?: string;
  force?: boolean;
}
import { writeScheduleFiles } from './write-schedule.js';

/** Daily, off the hour: renewal is due 30 days ahead, so one run a day has many chances. */
const RENEW_CRON = '17 3 * * *';

function requireAcme(plan: StackPlan): void {
  const t = tlsSettings(plan.profile);
  if (!t.enabled) throw new UsageError('TLS is off for this profile (edge.tls.mode off or no project.domains)', 'set project.domains and edge.tls.mode: acme');
  if (t.mode !== 'acme') throw new UsageError(`edge.tls.mode is ${t.mode}: prodctl does not order certificates`, 'set edge.tls.mode: acme, or replace cert_file/key_file yourself');
  if (plan.profile.edge.kind !== 'haproxy') throw new UsageError('edge.kind is traefik: Traefik orders and renews its certificates itself', 'use edge.kind: haproxy for prodctl-managed certificates');
}

export async function runTls(ctx: CliContext, action: 'issue' | 'renew' | 'status' | 'schedule', o: TlsOptions): Promise<void> {
  const plan = await loadPlan(ctx);
  const paths = tlsPaths(ctx.stateDir);
  const domains = plan.profile.project.domains;
  const acme = plan.profile.edge.tls.acme;
  const renewBeforeMs = parseDuration(acme.renew_before);
  if (action === 'status') return printStatus(ctx, plan, renewBeforeMs, o);
  requireAcme(plan);
  if (action === 'schedule') return writeSchedule(ctx, plan);
  const admin = o.edgeAdmin ?? (await resolveEdgeAdmin(ctx, plan));
  const out = await renewCert({ paths, domains, email: acme.email, renewBeforeMs, admin, issuer: createAcmeIssuer(acme.directory) }, { force: action === 'issue' || o.force });
  // The metric is what the edge serves now, read back from HAProxy, not what prodctl wrote.
  writeTlsTextfile(ctx.stateDir, await readEdgeCert(admin, paths, domains));
  if (ctx.json) return printJson(out);
  const c = out.current;
  if (out.action === 'kept') return printLine(`certificate for ${domains.join(', ')} kept: ${out.reason} (serial ${c.serial})`);
  printLine(`certificate ${out.action} for ${domains.join(', ')} (${out.reason}): serial ${c.serial}, valid until ${c.notAfter}, issuer ${c.issuer}`);
  printLine(`swapped into the running edge at ${out.swappedInto} (no restart); stored in ${c.file} (mode 0600)`);
}

/** The native stack's socket; on an engine, the running edge container's published admin port. */
async function resolveEdgeAdmin(ctx: CliContext, plan: StackPlan): Promise<string> {
  if (plan.target === 'native') return edgeSocketPath(nativePaths(ctx.stateDir));
  const target = await selectTarget(plan, ctx.log);
  if (target.edgeAdmin) return target.edgeAdmin(plan);
  return edgeSocketPath(nativePaths(ctx.stateDir));
}

/** What the running edge serves, or why it cannot be read (no stack up, TLS off). */
async function readServed(ctx: CliContext, plan: StackPlan, o: TlsOptions): Promise<{ served: ServedCert | null; servedError?: string }> {
  try {
    const admin = o.edgeAdmin ?? (await resolveEdgeAdmin(ctx, plan));
    return { served: await readEdgeCert(admin, tlsPaths(ctx.stateDir), plan.profile.project.domains) };
  } catch (err) {
    return { served: null, servedError: (err as Error).message };
  }
}

async function printStatus(ctx: CliContext, plan: StackPlan, renewBeforeMs: number, o: TlsOptions): Promise<void> {
  const t = tlsSettings(plan.profile);
  const file = certFileOf(tlsPaths(ctx.stateDir), t.domains.length ? t.domains : [plan.project]);
  const info = t.enabled ? readCertInfo(file) : null;
  const now = new Date();
  const due = t.enabled && t.mode === 'acme' ? renewalReason(info, t.domains, renewBeforeMs, now) : null;
  const edge = t.enabled && plan.profile.edge.kind === 'haproxy' ? await readServed(ctx, plan, o) : { served: null };
  if (edge.served) writeTlsTextfile(ctx.stateDir, edge.served);
  const daysLeft = info ? Math.floor((Date.parse(info.notAfter) - now.getTime()) / 86_400_000) : null;
  if (ctx.json) return printJson({ enabled: t.enabled, mode: t.mode, domains: t.domains, certificate: info, daysLeft, renewalDue: due, ...edge });
  if (!t.enabled) return printLine('TLS is off (edge.tls.mode off or no project.domains)');
  if (!info) return printLine(`no certificate at ${file} yet — run \`prodctl tls issue\``);
  printLine(`${info.altNames.join(', ')}: serial ${info.serial}, issuer ${info.issuer}`);
  printLine(`valid ${info.notBefore} → ${info.notAfter} (${daysLeft} days left)${info.selfSigned ? ', self-signed placeholder' : ''}`);
  printLine(edge.served ? `the edge serves serial ${edge.served.serial}, valid until ${edge.served.notAfter}` : `the edge's certificate could not be read: ${edge.servedError ?? 'not an HAProxy edge'}`);
  printLine(due ? `renewal due: ${due}` : `renewal not due (renew_before ${plan.profile.edge.tls.acme.renew_before})`);
}

function writeSchedule(ctx: CliContext, plan: StackPlan): void {
  const unit = `prodctl-tls-renew-${plan.project}`;
  const command = [process.argv[1] ?? 'prodctl', '-f', ctx.profilePath, '--state-dir', ctx.stateDir, ...(ctx.envName ? ['-e', ctx.envName] : []), ...ctx.sets.flatMap((v) => ['--set', v]), 'tls', 'renew', '--json'];
  const input = { cron: RENEW_CRON, command, project: plan.project, target: plan.target, job: 'certificate renewal' };
  const dir = path.join(ctx.stateDir, 'tls-schedule');
  const files = writeScheduleFiles(dir, unit, input);
  const install = [`cp ${files.service} ${files.timer} /etc/systemd/system/ && systemctl daemon-reload && systemctl enable --now ${unit}.timer`, `or: cp ${files.cron} /etc/cron.d/${unit}`];
  if (ctx.json) return printJson({ schedule: RENEW_CRON, onCalendar: cronToOnCalendar(RENEW_CRON), files, install });
  printLine(`certificate renewal schedule "${RENEW_CRON}" rendered into ${dir}`);
  for (const l of install) printLine(`  ${l}`);
}
