// A runtime build's version: package version + a hash of its compiled runtime, so deploying the
// same build twice is recognised as a no-op and a rebuilt runtime as a new release.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? listFiles(p) : [p];
    });
}

export function buildVersion(build: string): string {
  const pkg = path.join(build, 'package.json');
  const version = existsSync(pkg) ? ((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '0.0.0') : '0.0.0';
  const h = createHash('sha256');
  for (const sub of ['dist/runtime', 'dist/contract', 'runtime/migrations']) {
    const dir = path.join(build, sub);
    if (!existsSync(dir)) continue;
    for (const f of listFiles(dir)) h.update(path.relative(build, f)).update('\0').update(readFileSync(f));
  }
  return `${version}+${h.digest('hex').slice(0, 8)}`;
}
