// A failing service that tells its client everything it was sent: Postgres (asks for a cleartext
// password, then refuses it quoting it), Redis (refuses every command quoting it) and HTTP (500
// quoting the request head, Authorization included). The worst case for redaction: whatever a
// client library puts in its error, the secret is in it.
import net from 'node:net';
import { getFreePort } from '../../lib/net.js';

export interface ReflectingServer {
  port: number;
  /** Everything clients sent, as latin1 text (to check the secrets really went out). */
  received(): string;
  close(): Promise<void>;
}

function pgMessage(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), len, body]);
}

function pgError(message: string): Buffer {
  const field = (t: string, v: string) => Buffer.concat([Buffer.from(t), Buffer.from(v), Buffer.from([0])]);
  return pgMessage('E', Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', '28P01'), field('M', message), Buffer.from([0])]));
}

function answer(sock: net.Socket, data: Buffer): void {
  const text = data.toString('latin1');
  if (text.startsWith('*')) return void sock.write(`-ERR refused: ${text.replace(/\r\n/g, ' ')}\r\n`);
  if (/^(GET|POST|HEAD|PUT|DELETE) /.test(text)) {
    const body = `refused: ${text}`;
    return void sock.end(`HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  if (data.length >= 8 && data.readInt32BE(4) === 80877103) return void sock.write('N'); // SSLRequest: no TLS
  if (data.length >= 8 && data.readInt32BE(4) === 196608) return void sock.write(pgMessage('R', Buffer.from([0, 0, 0, 3]))); // startup: send a cleartext password
  if (text.startsWith('p')) {
    const password = data.subarray(5, data.length - 1).toString('utf8');
    sock.end(pgError(`password authentication failed: got "${password}"`));
  }
}

export async function startReflectingServer(): Promise<ReflectingServer> {
  let seen = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.on('data', (d) => {
      seen += d.toString('latin1');
      answer(sock, d);
    });
  });
  const port = await getFreePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    received: () => seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
