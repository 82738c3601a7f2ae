// The autoscaler's own HTTP endpoint when it runs as a service of the stack: /healthz for the
// supervisor's probes and `prodctl status`, /metrics (the last decision) for Prometheus.
import http from 'node:http';
import { once } from 'node:events';
import { METRICS_PATH } from '../contract/index.js';
import { UsageError } from '../lib/errors.js';
import { AUTOSCALER_HEALTH_PATH } from '../plan/autoscale-service.js';
import { renderAutoscaleTextfile, type AutoscaleRecord } from '../state/autoscale-state.js';

export interface AutoscaleListener {
  close(): Promise<void>;
}

/** `127.0.0.1:9466` → host and port; a bare port listens on loopback. */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new UsageError(`--listen '${v}' is not HOST:PORT`, 'e.g. --listen 127.0.0.1:9466');
  return { host: m[1] ?? '127.0.0.1', port };
}

/** Healthy while the queue is readable: `unreadable` means the controller is blind (503). */
export async function startAutoscaleListener(at: { host: string; port: number }, last: () => AutoscaleRecord | null, max: number): Promise<AutoscaleListener> {
  const server = http.createServer((req, res) => {
    const r = last();
    if (req.url === AUTOSCALER_HEALTH_PATH) {
      const ok = r?.reason !== 'unreadable';
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(r ? { ok, current: r.current, desired: r.desired, reason: r.reason, at: r.at } : { ok, starting: true }));
    } else if (req.url === METRICS_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(r ? renderAutoscaleTextfile(r, max) : '');
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(at.port, at.host);
  await once(server, 'listening');
  return { close: () => new Promise<void>((done) => server.close(() => done())) };
}
