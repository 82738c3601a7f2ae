// Adapter: local questions — free disk (statfs) and a TLS certificate's expiry (node:tls).
import { statfs } from 'node:fs/promises';
import tls from 'node:tls';

export async function diskFree(path: string): Promise<{ freeBytes: number; totalBytes: number } | null> {
  try {
    const s = await statfs(path);
    return { freeBytes: Number(s.bavail) * Number(s.bsize), totalBytes: Number(s.blocks) * Number(s.bsize) };
  } catch {
    return null;
  }
}

export function certificate(host: string, port: number, servername: string): Promise<{ validTo: string; subject: string } | null> {
  return new Promise((resolve) => {
    const sock = tls.connect({ host, port, servername, rejectUnauthorized: false, timeout: 3000 }, () => {
      const c = sock.getPeerCertificate();
      sock.end();
      resolve(c && c.valid_to ? { validTo: new Date(c.valid_to).toISOString(), subject: String(c.subject?.CN ?? '') } : null);
    });
    sock.on('error', () => resolve(null));
    sock.on('timeout', () => {
      sock.destroy();
      resolve(null);
    });
  });
}
