// One interface for every target (native processes, Docker engine, Swarm). The CLI picks one
// with selectTarget() and never touches processes or dockerode itself.
import type { Logger } from '../lib/log.js';
import type { StackPlan } from '../plan/types.js';
import type { LockStore } from '../state/lock.js';

export interface TargetContext {
  plan: StackPlan;
  /** Folder holding the files `prodctl render` wrote for this plan. */
  renderedDir: string;
  stateDir: string;
  log: Logger;
  yes: boolean;
  /** The profile as the CLI loaded it: tools the stack runs itself (Postgres' archive_command) call prodctl with it. */
  profile?: { path: string; env?: string };
}

export interface ReplicaStatus {
  id: string;
  state: 'running' | 'starting' | 'stopped' | 'crashed' | 'unhealthy' | 'draining';
  healthy: boolean | null;
  pid?: number;
  containerId?: string;
  address?: string;
  uptimeMs?: number;
  restarts: number;
  version?: string;
  /** Swarm: the node the task runs on, and the task's error when it has one. */
  node?: string;
  error?: string;
}

export interface ServiceStatus {
  name: string;
  desired: number;
  skipped?: string;
  replicas: ReplicaStatus[];
  /** Swarm: the service's last or running rolling update. */
  update?: { state: string; message: string; startedAt?: string };
}

/** Swarm: one node of the cluster. */
export interface NodeStatus {
  id: string;
  hostname: string;
  role: string;
  leader: boolean;
  availability: string;
  state: string;
  address?: string;
  labels: Record<string, string>;
}

export interface StackStatus {
  target: 'native' | 'docker' | 'swarm';
  project: string;
  release?: string;
  services: ServiceStatus[];
  /** Swarm: the cluster's nodes. */
  nodes?: NodeStatus[];
  urls: Record<string, string>;
}

export interface DeployOptions {
  version?: string;
  /** For native: a different runtime build folder to roll out. For docker: the image. */
  build?: string;
  lockWait?: number;
}

export interface DeployResult {
  outcome: 'applied' | 'noop' | 'failed' | 'rolled-back';
  release?: string;
  durationMs: number;
  changes: string[];
  reason?: string;
}

export interface Target {
  readonly kind: 'native' | 'docker' | 'swarm';
  /** HAProxy's runtime API of the running edge (socket path or host:port), for `prodctl tls`; absent where the target does not say. */
  edgeAdmin?: (plan: StackPlan) => Promise<string>;
  /** Bring the stack up from what the plan says; idempotent. */
  up(ctx: TargetContext): Promise<DeployResult>;
  /** Roll out a new version health-gated; roll back by itself on failure. */
  deploy(ctx: TargetContext, opts: DeployOptions): Promise<DeployResult>;
  status(ctx: TargetContext): Promise<StackStatus>;
  scale(ctx: TargetContext, counts: Record<string, number>): Promise<DeployResult>;
  down(ctx: TargetContext, opts: { volumes: boolean }): Promise<void>;
  logs(ctx: TargetContext, service: string, opts: { follow: boolean; since?: string; tail?: number }): Promise<void>;
  /** Return to an earlier release (`build`: its image, or its runtime build folder on native) through the same locked, health-gated rolling path as deploy. */
  rollback?(ctx: TargetContext, opts: DeployOptions): Promise<DeployResult>;
  /** Where this target keeps its deploy lock (for `prodctl lock`). */
  lockStore?(ctx: TargetContext): LockStore;
  /** Build the runtime image where this target runs it (engine targets). */
  build?(ctx: Pick<TargetContext, 'log'>, opts: ImageBuildOptions): Promise<ImageBuildResult>;
}

export interface ImageBuildOptions {
  contextDir: string;
  dockerfile: string;
  tag: string;
  version: string;
  /** Only these entries of the context folder are sent (all when absent). */
  include?: string[];
  buildArgs?: Record<string, string>;
}

export interface ImageBuildResult {
  image: string;
  imageId: string;
}
