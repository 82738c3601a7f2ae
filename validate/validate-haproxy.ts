// haproxy.cfg with the real parser, `haproxy -c -f`, on a copy in a temp folder: the config may
// name sockets and files by in-container paths, which the check never opens.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSelfSignedCert } from '../lib/self-signed-cert.js';
import { RENDER_PATHS } from '../plan/file-paths.js';
import { runTool, tail } from './run-tool.js';
import type { ValidationResult } from './types.js';

const NAME = 'haproxy.cfg (haproxy -c)';

export async function validateHaproxy(renderedDir: string): Promise<ValidationResult> {
  const src = path.join(renderedDir, RENDER_PATHS.haproxy);
  if (!existsSync(src)) return { name: NAME, ok: false, details: [`${RENDER_PATHS.haproxy} not found — run prodctl render first`] };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodctl-validate-haproxy-'));
  try {
    const cfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(cfg, await withStandInFiles(readFileSync(src, 'utf8'), dir));
    const r = await runTool('haproxy', ['-c', '-f', cfg], { cwd: dir });
    if (!r) return { name: NAME, ok: true, skipped: 'haproxy not found — apt-get install -y haproxy', details: [] };
    return { name: NAME, ok: r.code === 0, details: tail(r.output).map((l) => l.replaceAll(cfg, RENDER_PATHS.haproxy)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The certificate folder and the ACME map are in-container paths that exist only on a running
 * edge: point them at stand-ins (a self-signed certificate, an empty map) so the parser checks
 * everything else, including that `bind … ssl crt` loads a certificate.
 */
export async function withStandInFiles(cfg: string, dir: string): Promise<string> {
  let out = cfg;
  const certDirs = [...new Set([...cfg.matchAll(/\scrt\s+(\S+)/g)].map((m) => m[1]))];
  for (const [i, d] of certDirs.entries()) {
    const stand = path.join(dir, `certs-${i}`);
    mkdirSync(stand);
    const c = await createSelfSignedCert({ commonName: 'validate.invalid' });
    writeFileSync(path.join(stand, 'validate.pem'), c.cert + c.key, { mode: 0o600 });
    out = out.replaceAll(` crt ${d}`, ` crt ${stand}`);
  }
  for (const [i, m] of [...new Set([...cfg.matchAll(/map\(([^),]+)\)/g)].map((x) => x[1]))].entries()) {
    const stand = path.join(dir, `map-${i}.map`);
    writeFileSync(stand, '');
    out = out.replaceAll(`map(${m})`, `map(${stand})`);
  }
  return out;
}
