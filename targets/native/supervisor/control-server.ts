// The supervisor daemon's control API: HTTP on a unix socket only its owner can open.
//   GET  /status            → ProcessStatus[]
//   POST /start  {spec}     → ProcessStatus (a no-op when that id already runs)
//   POST /stop   {id}       → {} after the ordered stop of that process
//   POST /shutdown          → {} after every process stopped; then the daemon exits
import { chmodSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { Supervisor } from './supervisor.js';
import type { ProcessSpec } from './types.js';

export function serveControl(socketPath: string, sup: Supervisor, onShutdown: () => void): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      if (req.method === 'GET' && req.url === '/status') return send(200, sup.status());
      if (req.method === 'POST' && req.url === '/start') return send(200, sup.start(body.spec as ProcessSpec));
      if (req.method === 'POST' && req.url === '/stop') {
        await sup.stop(String(body.id));
        return send(200, {});
      }
      if (req.method === 'POST' && req.url === '/shutdown') {
        await sup.stopAll();
        send(200, {});
        return onShutdown();
      }
      send(404, { error: `no route ${req.method} ${req.url}` });
    } catch (err) {
      send(500, { error: (err as Error).message });
    }
  });
  rmSync(socketPath, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      chmodSync(socketPath, 0o600);
      resolve(server);
    });
  });
}
