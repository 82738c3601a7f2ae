// Writes rendered files atomically (temp file + rename) so a reader never sees half a config.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RenderedFile } from './types.js';

export function writeRendered(files: RenderedFile[], outDir: string): string[] {
  const written: string[] = [];
  for (const f of files) {
    const dest = path.join(outDir, f.path);
    mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    writeFileSync(tmp, f.content, { mode: f.mode ?? 0o644 });
    renameSync(tmp, dest);
    written.push(dest);
  }
  return written;
}
