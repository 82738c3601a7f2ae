// The one interface live checks see. Each method is a small question to one external system;
// the adapters (redis-probe, pg-probe, http-probe, docker-probe, …) answer it. Checks never import
// pg, ioredis, undici or dockerode.
export interface Endpoint {
  host: string;
  port: number;
}

export interface ApiEndpoint extends Endpoint {
  id: string;
  metricsPort?: number;
}

/** `<stateDir>/native/endpoints.json` as the native target writes it (Docker: built from status). */
export interface StackEndpoints {
  postgres?: Endpoint;
  redis?: Endpoint;
  api: ApiEndpoint[];
  edge?: { host?: string; port?: number; httpPort?: number; httpsPort?: number; url?: string };
  prometheus?: { url: string };
  alertmanager?: { url: string };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  error?: string;
}

export interface BackupSetInfo {
  id: string;
  dir: string;
  /** ISO time from the manifest. */
  createdAt: string;
  verify?: { ok: boolean; at: string; detail?: string; file: string };
}

export interface ContainerInspect {
  name: string;
  service: string;
  memoryBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  readOnlyRootfs: boolean;
  capDrop: string[];
  securityOpt: string[];
  privileged: boolean;
  user: string;
}

/** Where the queue stands on a job: still carried (waiting, active, delayed), finished, or gone. */
export type QueueJobState = 'carried' | 'completed' | 'failed' | 'missing';

export interface LiveProbes {
  endpoints: StackEndpoints;
  /** Where the endpoints came from, for evidence. */
  endpointsSource: string;
  redisConfig(keys: string[]): Promise<Record<string, string>>;
  /** BullMQ workers connected to the queue (CLIENT LIST names). */
  queueWorkers(queue: string): Promise<number>;
  /** The queue's state of each job id (BullMQ keys). */
  queueJobStates(queue: string, ids: string[]): Promise<Map<string, QueueJobState>>;
  pgQuery<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  http(url: string, opts?: { method?: string; headers?: Record<string, string>; timeoutMs?: number }): Promise<HttpAnswer>;
  /** Many requests at once (rate-limit probe): returns the statuses. */
  httpBurst(url: string, count: number, headers: Record<string, string>): Promise<number[]>;
  diskFree(path: string): Promise<{ freeBytes: number; totalBytes: number } | null>;
  backupSets(dir: string): Promise<BackupSetInfo[]>;
  certificate(host: string, port: number, servername: string): Promise<{ validTo: string; subject: string } | null>;
  containers(project: string): Promise<ContainerInspect[] | null>;
  /** API key of the dedicated check user, when one is configured. */
  checkApiKey: string | null;
  close(): Promise<void>;
}
