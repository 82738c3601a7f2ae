// haproxy.cfg with the real parser, `haproxy -c -f`, on a copy in a temp folder: the config may
// name sockets and files by in-container paths, which the check never opens.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    copyFileSync(src, cfg);
    const r = await runTool('haproxy', ['-c', '-f', cfg], { cwd: dir });
    if (!r) return { name: NAME, ok: true, skipped: 'haproxy not found — apt-get install -y haproxy', details: [] };
    return { name: NAME, ok: r.code === 0, details: tail(r.output).map((l) => l.replaceAll(cfg, RENDER_PATHS.haproxy)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
