// Prometheus metrics, names and labels exactly from contract/metrics.ts, served on a separate
// internal port that the edge never routes.
import http from 'node:http';
import client from 'prom-client';
import { METRICS, METRICS_PATH, type MetricSpec } from '../../contract/index.js';
import type { Pool } from './db.js';

type Key = keyof typeof METRICS;

export interface RuntimeMetrics {
  registry: client.Registry;
  histogram(key: Key, buckets?: number[]): client.Histogram<string>;
  counter(key: Key): client.Counter<string>;
  gauge(key: Key, collect?: (g: client.Gauge<string>) => void | Promise<void>): client.Gauge<string>;
}

export function createMetrics(role: 'api' | 'worker', release: string): RuntimeMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const spec = (key: Key): MetricSpec => METRICS[key];
  const made = new Map<Key, client.Metric<string>>();
  const once = <T extends client.Metric<string>>(key: Key, make: () => T): T => {
    if (!made.has(key)) made.set(key, make());
    return made.get(key) as T;
  };
  const m: RuntimeMetrics = {
    registry,
    histogram: (key, buckets) =>
      once(key, () => new client.Histogram({ name: spec(key).name, help: spec(key).help, labelNames: [...spec(key).labels], buckets, registers: [registry] })),
    counter: (key) => once(key, () => new client.Counter({ name: spec(key).name, help: spec(key).help, labelNames: [...spec(key).labels], registers: [registry] })),
    gauge: (key, collect) =>
      once(key, () => new client.Gauge({ name: spec(key).name, help: spec(key).help, labelNames: [...spec(key).labels], registers: [registry], ...(collect ? { collect() { return collect(this); } } : {}) })),
  };
  m.gauge('buildInfo').set({ release, role }, 1);
  return m;
}

export function watchPool(m: RuntimeMetrics, pool: Pool): void {
  m.gauge('pgPool', (g) => {
    g.set({ state: 'total' }, pool.totalCount);
    g.set({ state: 'idle' }, pool.idleCount);
    g.set({ state: 'waiting' }, pool.waitingCount);
  });
}

interface CountingQueue {
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getJobs(types: 'waiting'[], start?: number, end?: number, asc?: boolean): Promise<{ timestamp: number }[]>;
}

/** Queue depth by state and the oldest waiting job's age, read at scrape time. */
export function watchQueue(m: RuntimeMetrics, queue: CountingQueue): void {
  m.gauge('queueJobs', async (g) => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed').catch(() => null);
    // Unread counts are dropped, not kept: a kept sample is a stale one (`prodctl status` showed a
    // job "active" long after the queue had none, from a replica whose last read had failed).
    if (!counts) return g.reset();
    for (const [state, n] of Object.entries(counts)) g.set({ state }, n);
  });
  m.gauge('queueOldestWaitingAge', async (g) => {
    // Ascending order puts the oldest waiting job first; negative ranges on the wait list do not.
    const oldest = await queue.getJobs(['waiting'], 0, 0, true).catch(() => []);
    g.set(oldest[0] ? Math.max(0, (Date.now() - oldest[0].timestamp) / 1000) : 0);
  });
}

/** Answers a health path (the worker has no API port, so its probes live here). */
export type HealthHandler = (path: string) => Promise<{ status: number; body: unknown } | null>;

export function serveMetrics(m: RuntimeMetrics, host: string, port: number, health?: HealthHandler): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    if (req.url !== METRICS_PATH) {
      const h = health ? await health(req.url ?? '').catch(() => ({ status: 503, body: { status: 'error' } })) : null;
      if (h) res.writeHead(h.status, { 'content-type': 'application/json' }).end(JSON.stringify(h.body));
      else res.writeHead(404).end();
      return;
    }
    try {
      const body = await m.registry.metrics();
      res.writeHead(200, { 'content-type': m.registry.contentType }).end(body);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
