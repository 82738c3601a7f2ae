// The engine's HTTP/1.1 client against a scripted loopback server: body framing (length, chunked,
// until close, none), packets split anywhere, interim answers, connection reuse and loss,
// timeouts and refusals. The head parser is checked with exact expectations.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, buildRequestHead, type HttpRequest, type HttpResult } from '../../loadtest/engine/http-client.js';
import { parseHttpHead } from '../../loadtest/engine/parse-http-head.js';

describe('parseHttpHead', () => {
  it('reads the status and the headers that frame the body', () => {
    expect(parseHttpHead('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12')).toEqual({ status: 200, contentLength: 12, chunked: false, close: false });
    expect(parseHttpHead('HTTP/1.1 404 Not Found\r\ntransfer-encoding: gzip, chunked\r\nconnection: close')).toEqual({ status: 404, contentLength: undefined, chunked: true, close: true });
    // Chunked framing wins over a content-length.
    expect(parseHttpHead('HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked')).toEqual({ status: 200, contentLength: undefined, chunked: true, close: false });
    expect(parseHttpHead('HTTP/1.1 204')).toEqual({ status: 204, contentLength: undefined, chunked: false, close: false });
    expect(parseHttpHead('HTTP/1.0 200 OK\r\ncontent-length: 1')).toEqual({ status: 200, contentLength: 1, chunked: false, close: true });
    expect(parseHttpHead('HTTP/1.0 200 OK\r\nconnection: Keep-Alive\r\ncontent-length: 1')).toEqual({ status: 200, contentLength: 1, chunked: false, close: false });
  });

  it('refuses what it cannot frame', () => {
    expect(() => parseHttpHead('HTTP/2 200')).toThrow('malformed response status line');
    expect(() => parseHttpHead('HTTP/1.1 200 OK\r\nno colon here')).toThrow('malformed response header');
    expect(() => parseHttpHead('HTTP/1.1 200 OK\r\ncontent-length: -1')).toThrow('malformed content-length: -1');
    expect(() => parseHttpHead('HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2')).toThrow('malformed content-length: 2');
  });
});

describe('buildRequestHead', () => {
  it('writes the request line, Host, the headers and the body length in bytes', () => {
    const req: HttpRequest = { method: 'POST', path: '/v1/jobs', headers: ['authorization', 'Bearer k', 'content-type', 'application/json'], body: '{"t":"é"}', keepBody: true };
    expect(buildRequestHead(req, '127.0.0.1:8080')).toBe('POST /v1/jobs HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nauthorization: Bearer k\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n');
    expect(buildRequestHead({ method: 'GET', path: '/', headers: [], keepBody: false }, 'h')).toBe('GET / HTTP/1.1\r\nhost: h\r\n\r\n');
  });

  it('refuses a header value or path that would split the request', () => {
    expect(() => buildRequestHead({ method: 'GET', path: '/', headers: ['authorization', 'Bearer k\r\nx-evil: 1'], keepBody: false }, 'h')).toThrow('line break');
    expect(() => buildRequestHead({ method: 'GET', path: '/a b', headers: [], keepBody: false }, 'h')).toThrow('line break or space');
  });
});

/** What the scripted server answers, by path; each answer is written as the listed pieces, in turn. */
const SCRIPTS: Record<string, (body: string) => (string | Buffer)[]> = {
  '/length': () => ['HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world'],
  '/split': () => Array.from('HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nsplit'),
  '/chunked': () => ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n', '6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n'],
  '/empty': () => ['HTTP/1.1 204 No Content\r\n\r\n'],
  '/continue': () => ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  '/close': () => ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye'],
  '/echo': (body) => [`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`],
};

let server: net.Server;
let origin: string;
let connections = 0;
const sockets = new Set<net.Socket>();

/** Reads requests (head and Content-Length body) off a socket and answers each from SCRIPTS. */
function serve(sock: net.Socket): void {
  connections++;
  sockets.add(sock);
  sock.on('close', () => sockets.delete(sock));
  let buf = Buffer.alloc(0);
  let served = 0;
  sock.on('data', async (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.toString('latin1', 0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const body = buf.toString('utf8', end + 4, end + 4 + length);
      buf = buf.subarray(end + 4 + length);
      const path = head.split(' ')[1];
      served++;
      if (path === '/silent') continue; // never answers
      if (path === '/drop' || (path === '/drop-when-reused' && served > 1)) {
        sock.destroy(); // closes without a byte of answer, as an idle timeout crossing the request would
        return;
      }
      if (path === '/drop-when-reused') {
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh');
        continue;
      }
      if (path === '/until-close') {
        sock.end('HTTP/1.1 200 OK\r\n\r\nall of it');
        return;
      }
      if (path === '/idle-close') {
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        setTimeout(() => sock.end(), 50); // the server drops the idle keep-alive connection
        continue;
      }
      for (const piece of SCRIPTS[path](body)) {
        sock.write(piece);
        if (path === '/split' || path === '/chunked') await new Promise((r) => setTimeout(r, 2));
      }
      if (path === '/close') sock.end();
    }
  });
}

beforeAll(async () => {
  server = net.createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const get = (path: string, keepBody = true): HttpRequest => ({ method: 'GET', path, headers: ['user-agent', 'test'], keepBody });
const text = (r: HttpResult) => r.body?.toString('utf8');

describe('HttpClient', () => {
  it('reads bodies framed by length, by chunks, by the close, and none, on one reused connection', async () => {
    const client = new HttpClient(origin, 1, 5_000);
    const before = connections;
    const length = await client.send(get('/length'));
    expect([length.status, text(length), length.error]).toEqual([200, 'hello world', undefined]);
    const split = await client.send(get('/split'));
    expect([split.status, text(split)]).toEqual([201, 'split']);
    const chunked = await client.send(get('/chunked'));
    expect([chunked.status, text(chunked)]).toEqual([200, 'hello world']);
    const empty = await client.send(get('/empty'));
    expect([empty.status, empty.body?.length ?? 0]).toEqual([204, 0]);
    const cont = await client.send(get('/continue'));
    expect([cont.status, text(cont)]).toEqual([200, 'ok']);
    expect(connections - before).toBe(1);
    const untilClose = await client.send(get('/until-close'));
    expect([untilClose.status, text(untilClose)]).toEqual([200, 'all of it']);
    const after = await client.send(get('/length', false));
    expect([after.status, after.body, after.bytesIn]).toEqual([200, undefined, 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world'.length]);
    expect(connections - before).toBe(2); // a new connection after the one that ended the body
    await client.close();
  });

  it('sends string and Buffer bodies with their byte length', async () => {
    const client = new HttpClient(origin, 1, 5_000);
    const s = await client.send({ method: 'POST', path: '/echo', headers: ['content-type', 'application/json'], body: '{"name":"größe"}', keepBody: true });
    expect(text(s)).toBe('{"name":"größe"}');
    const b = await client.send({ method: 'POST', path: '/echo', headers: [], body: Buffer.from('%PDF-1.7 bytes'), keepBody: true });
    expect(text(b)).toBe('%PDF-1.7 bytes');
    await client.close();
  });

  it('opens a new connection after Connection: close and after the server drops an idle one', async () => {
    const client = new HttpClient(origin, 1, 5_000);
    const before = connections;
    expect(text(await client.send(get('/close')))).toBe('bye');
    expect(text(await client.send(get('/length')))).toBe('hello world');
    expect(connections - before).toBe(2);
    expect(text(await client.send(get('/idle-close')))).toBe('ok');
    await new Promise((r) => setTimeout(r, 200)); // the server has closed it by now
    const again = await client.send(get('/length'));
    expect([again.status, again.error]).toEqual([200, undefined]);
    expect(connections - before).toBe(3);
    await client.close();
  });

  it('sends a GET once more on a new connection when a reused one closes before answering; nothing else', async () => {
    const client = new HttpClient(origin, 1, 5_000);
    const before = connections;
    expect(text(await client.send(get('/length')))).toBe('hello world');
    const again = await client.send(get('/drop-when-reused')); // the reused connection closes; a new one answers
    expect([again.status, text(again), again.error]).toEqual([200, 'fresh', undefined]);
    expect(connections - before).toBe(2);
    // A POST is not repeated (it may have been processed), and a new connection's failure is the server's.
    const post = await client.send({ method: 'POST', path: '/drop-when-reused', headers: [], body: 'x', keepBody: true });
    expect([post.status, post.error]).toEqual([0, 'ECONNRESET']);
    const fresh = await client.send(get('/drop'));
    expect([fresh.status, fresh.error]).toEqual([0, 'ECONNRESET']);
    expect(connections - before).toBe(3);
    await client.close();
  });

  it('fails a request the server never answers at the timeout, and the lane works again after', async () => {
    const client = new HttpClient(origin, 1, 300);
    const t0 = performance.now();
    const r = await client.send(get('/silent'));
    const took = performance.now() - t0;
    expect([r.status, r.error]).toEqual([0, 'timeout']);
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(1_000);
    expect(text(await client.send(get('/length')))).toBe('hello world');
    await client.close();
  });

  it('reports a refused connection as a network error, with its code', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const client = new HttpClient(`http://127.0.0.1:${port}`, 1, 2_000);
    const r = await client.send(get('/length'));
    expect([r.status, r.error, r.body]).toEqual([0, 'ECONNREFUSED', undefined]);
    await client.close();
  });

  it('keeps one connection per lane: lanes never share, wait for each other or mix their bytes', async () => {
    const client = new HttpClient(origin, 4, 5_000);
    const before = connections;
    const all = await Promise.all([0, 1, 2, 3].flatMap((lane) => [client.send(get('/length'), lane)]));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // Answers trickling in on every lane at once (a byte or a chunk per packet): each lane reads
    // into the client's one read buffer in turn, and must keep its own bytes intact across reads.
    const trickled = await Promise.all([0, 1, 2, 3].flatMap((lane) => [client.send(get(lane % 2 ? '/split' : '/chunked'), lane)]));
    expect(trickled.map((r) => [r.status, text(r)])).toEqual([[200, 'hello world'], [201, 'split'], [200, 'hello world'], [201, 'split']]);
    expect(connections - before).toBe(4);
    await client.close();
  });

  it('speaks TLS to an https origin and verifies the certificate', async () => {
    // A self-signed certificate for localhost and 127.0.0.1 (test/fixtures/loadtest, valid to 2126).
    const dir = new URL('../fixtures/loadtest/', import.meta.url);
    const cert = readFileSync(new URL('tls-self-signed.crt', dir));
    const secure = tls.createServer({ key: readFileSync(new URL('tls-self-signed.key', dir)), cert }, serve);
    await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
    const port = (secure.address() as net.AddressInfo).port;
    try {
      // Untrusted: refused, with the verification error as the reason.
      const client = new HttpClient(`https://127.0.0.1:${port}`, 1, 5_000);
      const refused = await client.send(get('/length'));
      expect([refused.status, refused.error]).toEqual([0, 'DEPTH_ZERO_SELF_SIGNED_CERT']);
      await client.close();
      // Trusted (NODE_EXTRA_CA_CERTS, read at startup, hence a child): by name, with SNI.
      const code = `import(${JSON.stringify(new URL('../../loadtest/engine/http-client.ts', import.meta.url).href)}).then(async ({ HttpClient }) => {
        const c = new HttpClient('https://localhost:${port}', 1, 5000);
        const r = await c.send({ method: 'GET', path: '/chunked', headers: [], keepBody: true });
        console.log(JSON.stringify({ status: r.status, body: r.body?.toString(), error: r.error }));
        await c.close();
      });`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, NODE_EXTRA_CA_CERTS: new URL('tls-self-signed.crt', dir).pathname }, timeout: 20_000 });
      expect(JSON.parse(stdout)).toEqual({ status: 200, body: 'hello world' });
    } finally {
      await new Promise((r) => secure.close(r));
    }
  });
});
