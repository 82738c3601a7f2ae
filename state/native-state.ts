// The native target's own state in <stateDir>/native: the loopback ports picked once (so restarts
// keep them), the API and worker replicas with their ports, and the running release. Plus
// endpoints.json, the file every other part of prodctl reads to find the running stack.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface NativeReplica {
  id: string;
  port: number;
  metricsPort: number;
}

export interface NativeWorker {
  id: string;
  metricsPort: number;
}

export interface NativePorts {
  postgres: number;
  redis: number;
  edge: number;
  /** The HTTPS listener when edge.tls is on (absent in state written before TLS). */
  edgeHttps?: number;
  edgeMetrics: number;
  prometheus: number;
  alertmanager: number;
  postgresExporter: number;
  redisExporter: number;
  nodeExporter: number;
  /** The blackbox exporter probing the edge (absent in state written before slo.probes). */
  blackboxExporter?: number;
  /** The autoscaler's health and metrics listener, when the plan has the autoscaler. */
  autoscaler?: number;
}

export interface NativeRelease {
  version: string;
  /** Folder holding the runtime build (dist/runtime/…). */
  build: string;
  at: string;
}

export interface NativeState {
  version: 1;
  ports: NativePorts;
  release: NativeRelease;
  api: NativeReplica[];
  workers: NativeWorker[];
  /** Next replica number: every new process gets a fresh id (api-7), never a reused one. */
  seq: number;
}

export interface NativeEndpoints {
  postgres: { host: string; port: number };
  redis: { host: string; port: number };
  api: { id: string; host: string; port: number; metricsPort: number }[];
  workers: { id: string; host: string; metricsPort: number }[];
  edge: { host: string; port: number; socket: string; httpsPort?: number } | null;
  prometheus: { url: string } | null;
  alertmanager: { url: string } | null;
  /** The uploads folder (backup reads it); absent in files written before it was recorded. */
  uploadsDir?: string;
}

function writeJsonAtomically(file: string, value: unknown, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  renameSync(tmp, file);
}

export function readNativeState(file: string): NativeState | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as NativeState;
}

export function writeNativeState(file: string, s: NativeState): void {
  writeJsonAtomically(file, s);
}

export function writeEndpoints(file: string, e: NativeEndpoints): void {
  writeJsonAtomically(file, e);
}

export function readNativeEndpoints(file: string): NativeEndpoints | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as NativeEndpoints) : null;
}
