// Creates or updates one Swarm service and waits until Swarm says it is done: a new service until
// its replicas run (healthy), an updated one until its UpdateStatus is `completed`. A failed update
// is rolled back by Swarm itself (failure_action: rollback); this reports which task failed, why.
import type Docker from 'dockerode';
import { TargetError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { SWARM_LABEL } from './service-spec.js';

export interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: Record<string, any>;
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
}

export interface TaskInfo {
  ID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState?: string;
  CreatedAt?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: { State?: string; Err?: string; Message?: string; Timestamp?: string; ContainerStatus?: { ExitCode?: number } };
}

export type ConvergeOutcome = 'created' | 'updated' | 'scaled' | 'unchanged';

export async function findService(docker: Docker, name: string): Promise<ServiceInfo | null> {
  const list = (await docker.listServices({ filters: { name: [name] } })) as ServiceInfo[];
  return list.find((s) => s.Spec.Name === name) ?? null;
}

export async function listTasks(docker: Docker, serviceId: string): Promise<TaskInfo[]> {
  return (await docker.listTasks({ filters: { service: [serviceId] } })) as TaskInfo[];
}

function replicasOf(spec: Record<string, any>): number | null {
  return spec.Mode?.Replicated ? Number(spec.Mode.Replicated.Replicas) : null;
}

/** Creates, updates (rolling, per its UpdateConfig) or scales the service, then waits for it. */
export async function convergeService(docker: Docker, spec: Record<string, any>, timeoutMs: number, log: Logger): Promise<ConvergeOutcome> {
  const name = spec.Name as string;
  const current = await findService(docker, name);
  const since = Date.now();
  if (!current) {
    log.info(`${name}: creating`);
    await docker.createService(spec);
    const created = (await findService(docker, name))!;
    await waitRunning(docker, created, timeoutMs);
    return 'created';
  }
  const sameSpec = current.Spec.Labels?.[SWARM_LABEL.specHash] === spec.Labels[SWARM_LABEL.specHash];
  if (sameSpec && replicasOf(current.Spec) === replicasOf(spec)) {
    await waitRunning(docker, current, timeoutMs);
    return 'unchanged';
  }
  log.info(`${name}: ${sameSpec ? 'scaling' : 'rolling update'}`);
  await docker.getService(current.ID).update({ version: current.Version.Index, ...spec });
  if (!sameSpec) await waitUpdateCompleted(docker, current.ID, name, spec.TaskTemplate.ContainerSpec.Image, since, timeoutMs);
  await waitRunning(docker, (await findService(docker, name))!, timeoutMs);
  return sameSpec ? 'scaled' : 'updated';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NO_UPDATE_GRACE_MS = 10_000;

/** Waits for UpdateStatus `completed` of the update started at `since`; a rollback is a failure. */
async function waitUpdateCompleted(docker: Docker, id: string, name: string, image: string, since: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Swarm's reason ("update paused due to failure or early termination of task …") is replaced by
  // "rollback completed" once the rollback is done: keep the first one seen.
  let reason = '';
  while (Date.now() < deadline) {
    const s = (await docker.getService(id).inspect()) as ServiceInfo;
    const u = s.UpdateStatus;
    // A change that replaces no task (placement rules, for one) clears UpdateStatus instead of
    // starting an update: after a grace period, there is nothing to wait for.
    if (!u && Date.now() - since > NO_UPDATE_GRACE_MS) return;
    const started = u?.StartedAt ? Date.parse(u.StartedAt) : 0;
    // Engine and client clocks may differ a little; an older status belongs to an earlier update.
    if (u?.State && started >= since - 5_000) {
      if (u.State === 'completed') return;
      if (!reason && u.State !== 'updating' && u.Message) reason = u.Message;
      if (u.State === 'rollback_completed' || u.State === 'rollback_paused' || u.State === 'paused') {
        throw new TargetError(
          `service ${name}: the update failed and Swarm ${u.State === 'rollback_completed' ? 'rolled it back' : `stopped it (${u.State})`}: ${await describeTaskFailure(docker, id, image, since)}`,
          'the previous tasks keep serving; fix the image or its health check and deploy again',
          [reason || u.Message || ''].filter(Boolean),
        );
      }
    }
    await sleep(1000);
  }
  throw new TargetError(`service ${name}: the update did not complete within ${Math.round(timeoutMs / 1000)} s`, 'see `prodctl status` for the tasks, and raise deploy.timeout if the service starts slowly');
}

/** What happened to the new tasks of the failed update: Swarm's task error, or that it never turned healthy. */
export async function describeTaskFailure(docker: Docker, serviceId: string, image: string, since: number): Promise<string> {
  const tasks = (await listTasks(docker, serviceId))
    .filter((t) => t.Spec?.ContainerSpec?.Image === image && Date.parse(t.CreatedAt ?? '') >= since - 5_000)
    .sort((a, b) => Date.parse(b.CreatedAt ?? '') - Date.parse(a.CreatedAt ?? ''));
  const t = tasks.find((x) => x.Status?.Err) ?? tasks[0];
  if (!t) return `no task of ${image} was started`;
  const state = `${t.Status?.State ?? '?'}${t.Status?.ContainerStatus?.ExitCode ? `, exit ${t.Status.ContainerStatus.ExitCode}` : ''}`;
  if (t.Status?.Err) return `task ${t.ID.slice(0, 12)} of ${image}: ${t.Status.Err} (${state})`;
  return `task ${t.ID.slice(0, 12)} of ${image} never turned healthy (now ${state})`;
}

/** Waits until the service's desired replicas (every eligible node for a global one) run. */
export async function waitRunning(docker: Docker, s: ServiceInfo, timeoutMs: number): Promise<void> {
  const want = replicasOf(s.Spec);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const tasks = (await listTasks(docker, s.ID)).filter((t) => t.DesiredState === 'running');
    const running = tasks.filter((t) => t.Status?.State === 'running');
    if (tasks.length > 0 && running.length === tasks.length && (want === null || running.length === want)) return;
    const failed = (await listTasks(docker, s.ID)).find((t) => t.Status?.Err);
    if (failed) last = `; last task error: ${failed.Status?.Err}`;
    await sleep(1000);
  }
  throw new TargetError(`service ${s.Spec.Name}: its tasks did not all run within ${Math.round(timeoutMs / 1000)} s${last}`, 'see `prodctl status` for where each task is and why');
}
