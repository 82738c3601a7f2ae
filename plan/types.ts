// The stack plan: a pure function of the profile (plan/compute-plan.ts). Targets and renderers
// consume this, never the raw profile YAML.
import type { Profile } from '../profile/schema.js';

export type ServiceName =
  | 'api'
  | 'worker'
  | 'postgres'
  | 'redis'
  | 'edge'
  | 'prometheus'
  | 'alertmanager'
  | 'grafana'
  | 'postgres-exporter'
  | 'redis-exporter'
  | 'node-exporter'
  | 'blackbox-exporter'
  | 'autoscaler';

/** control: prodctl's own controllers (the autoscaler), which change the stack through its target. */
export type ServiceRole = 'app' | 'stateful' | 'edge' | 'monitoring' | 'control';

export interface HealthcheckPlan {
  /** Docker-style test, e.g. ['CMD', 'node', 'healthcheck.js'] */
  test: string[];
  /** HTTP path probed by targets that do not run the test themselves (native). */
  httpPath?: string;
  httpPort?: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

export interface VolumeMount {
  kind: 'volume' | 'bind' | 'tmpfs';
  /** volume name or host path; empty for tmpfs */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ConfigMount {
  /** rendered file, relative to the render output folder */
  file: string;
  target: string;
}

export interface ServicePlan {
  name: ServiceName;
  role: ServiceRole;
  image: string;
  /** Overrides the image's entrypoint; absent keeps it. */
  entrypoint?: string[];
  command: string[];
  replicas: number;
  resources: { cpus: number; memoryBytes: number; pids: number };
  /** Non-secret environment only; secrets go through `secrets` as files. */
  env: Record<string, string>;
  secrets: { name: string; target: string }[];
  /** Ports the service listens on inside its container / process. */
  ports: { name: string; port: number }[];
  /** Ports published on the host (only the edge in production). */
  published: { port: number; hostPort: number; hostIp: string }[];
  healthcheck: HealthcheckPlan | null;
  networks: string[];
  volumes: VolumeMount[];
  configs: ConfigMount[];
  user: string;
  readOnlyRootfs: boolean;
  capDrop: string[];
  capAdd: string[];
  securityOpt: string[];
  privileged: boolean;
  restart: 'unless-stopped' | 'on-failure' | 'always' | 'no';
  stopGracePeriodSeconds: number;
  labels: Record<string, string>;
  logging: { driver: 'json-file' | 'local'; options: Record<string, string> };
  dependsOn: ServiceName[];
}

export interface StackPlan {
  version: 1;
  project: string;
  target: Profile['target'];
  preset: string;
  services: ServicePlan[];
  networks: { name: string; internal: boolean }[];
  volumes: string[];
  secrets: { name: string; file: string }[];
  /** Every file `prodctl render` writes, relative to the output folder. */
  files: string[];
  /** The validated, fully layered profile, for renderers that need settings beyond services. */
  profile: Profile;
  /** Absolute folder of the profile file: secret file paths resolve against it. */
  profileDir: string;
}
