// The one place that constructs dockerode. Everything else receives the Docker instance.
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { parseEngineAddress, type EngineAddress } from './engine-options.js';

export function createEngine(env: NodeJS.ProcessEnv = process.env): Docker {
  return new Docker(toDockerodeOptions(parseEngineAddress(env), env));
}

function toDockerodeOptions(a: EngineAddress, env: NodeJS.ProcessEnv): Docker.DockerOptions {
  // docker-modem fills in DOCKER_HOST's host from the process env, and a host wins over socketPath.
  if (a.kind === 'unix') return { socketPath: a.socketPath, host: undefined } as Docker.DockerOptions;
  if (a.kind === 'ssh') {
    // docker-modem runs `docker system dial-stdio` on the remote host through ssh2, using the agent.
    return { protocol: 'ssh', host: a.host, port: a.port, username: a.username, sshOptions: { agent: env.SSH_AUTH_SOCK } } as Docker.DockerOptions;
  }
  if (!a.tls) return { protocol: 'http', host: a.host, port: a.port };
  const read = (f: string) => fs.readFileSync(path.join(a.tls!.certPath, f));
  return { protocol: 'https', host: a.host, port: a.port, ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), checkServerIdentity: a.tls.verify ? undefined : () => undefined } as Docker.DockerOptions;
}

/** True when an engine answers a ping within the timeout. */
export async function pingEngine(docker: Docker, timeoutMs = 3000): Promise<boolean> {
  try {
    await Promise.race([docker.ping(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), timeoutMs).unref())]);
    return true;
  } catch {
    return false;
  }
}
