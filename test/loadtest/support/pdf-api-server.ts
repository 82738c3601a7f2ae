// A small node:http server with the runtime API's shape (/v1/files, /v1/jobs) for the engine's
// own tests: per-user ownership (404 for others), jobs that finish after `jobMs`, an optional
// slow status route and a /hello route for calibration. The real runtime is exercised by the
// stack runs (docs/loadtest.md); this one lets us test the engine with exact expectations.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestApiOptions {
  jobMs?: number;
  statusDelayMs?: number;
  uploadDelayMs?: number;
  /** Jobs that never finish (simulates a stuck worker). */
  stuckJobs?: boolean;
}

export interface TestApi {
  origin: string;
  stats: { requests: number; uploads: number; jobs: number; byUser: Map<string, number>; uploadBytes: number[] };
  close(): Promise<void>;
}

export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const files = new Map<string, { owner: string; bytes: Buffer }>();
  const jobs = new Map<string, { owner: string; createdAt: number }>();
  const stats = { requests: 0, uploads: 0, jobs: 0, byUser: new Map<string, number>(), uploadBytes: [] as number[] };
  let seq = 0;
  const send = (res: http.ServerResponse, status: number, body: unknown, delay = 0) => {
    const text = JSON.stringify(body);
    const go = () => res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    if (delay > 0) setTimeout(go, delay);
    else go();
  };
  const server = http.createServer((req, res) => {
    stats.requests++;
    if (req.url === '/hello') return void res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }).end('ok');
    const auth = req.headers.authorization ?? '';
    const user = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!user) return send(res, 401, { error: 'unauthorized' });
    stats.byUser.set(user, (stats.byUser.get(user) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '';
      if (req.method === 'POST' && url === '/v1/files') {
        if (!body.includes(Buffer.from('%PDF-'))) return send(res, 415, { error: 'not a pdf' });
        const id = `f${++seq}`;
        files.set(id, { owner: user, bytes: body });
        stats.uploads++;
        stats.uploadBytes.push(body.length);
        return send(res, 201, { id, bytes: body.length }, opts.uploadDelayMs);
      }
      if (req.method === 'POST' && url === '/v1/jobs') {
        const spec = JSON.parse(body.toString()) as { inputs: string[] };
        if (!spec.inputs.every((i) => files.get(i)?.owner === user)) return send(res, 404, { error: 'not found' });
        const id = `j${++seq}`;
        jobs.set(id, { owner: user, createdAt: Date.now() });
        stats.jobs++;
        return send(res, 202, { id, state: 'queued' });
      }
      const jm = /^\/v1\/jobs\/([^/]+)$/.exec(url);
      if (req.method === 'GET' && jm) {
        const job = jobs.get(jm[1]);
        if (!job || job.owner !== user) return send(res, 404, { error: 'not found' });
        const done = !opts.stuckJobs && Date.now() - job.createdAt >= (opts.jobMs ?? 0);
        return send(res, 200, { id: jm[1], state: done ? 'completed' : 'active' }, opts.statusDelayMs);
      }
      const fm = /^\/v1\/files\/([^/]+)$/.exec(url);
      if (req.method === 'GET' && fm) {
        const f = files.get(fm[1]);
        if (!f || f.owner !== user) return send(res, 404, { error: 'not found' });
        return void res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': f.bytes.length }).end(f.bytes);
      }
      send(res, 404, { error: 'no route' });
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
