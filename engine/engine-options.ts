// Pure: where the engine is, from DOCKER_HOST / DOCKER_CERT_PATH / DOCKER_TLS_VERIFY, as
// dockerode options. unix:// (default /var/run/docker.sock), tcp:// (TLS when verify is set or a
// cert path is given) and ssh://user@host (the engine's socket over SSH).
import path from 'node:path';
import { UsageError } from '../lib/errors.js';

export type EngineAddress =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: { certPath: string; verify: boolean } | null }
  | { kind: 'ssh'; host: string; port: number; username?: string };

export function parseEngineAddress(env: NodeJS.ProcessEnv): EngineAddress {
  const raw = env.DOCKER_HOST?.trim();
  if (!raw) return { kind: 'unix', socketPath: '/var/run/docker.sock' };
  if (raw.startsWith('unix://')) return { kind: 'unix', socketPath: raw.slice('unix://'.length) };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`DOCKER_HOST is not a URL: ${raw}`, 'use unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host');
  }
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
    const certPath = env.DOCKER_CERT_PATH;
    const tls = verify || certPath || url.protocol === 'https:' ? { certPath: certPath ?? path.join(env.HOME ?? '/root', '.docker'), verify } : null;
    return { kind: 'tcp', host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), tls };
  }
  if (url.protocol === 'ssh:') return { kind: 'ssh', host: url.hostname, port: Number(url.port || 22), username: url.username || undefined };
  throw new UsageError(`DOCKER_HOST scheme ${url.protocol} is not supported`, 'use unix://, tcp:// or ssh://');
}

export function describeEngineAddress(a: EngineAddress): string {
  if (a.kind === 'unix') return `unix://${a.socketPath}`;
  if (a.kind === 'tcp') return `tcp://${a.host}:${a.port}${a.tls ? ' (TLS)' : ''}`;
  return `ssh://${a.username ? `${a.username}@` : ''}${a.host}:${a.port}`;
}
