// The architecture map (README) as a test: every import of the product follows the layer rules in
// import-rules.ts, pure layers have no effects, and no file imports itself through others.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, findViolations, readImports, type Edge } from './check-imports.js';
import { EXCEPTIONS } from './import-rules.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const edges = readImports(ROOT);

describe('the import map', () => {
  it('reads the whole product', () => {
    const files = new Set(edges.map((e) => e.from));
    expect(files.size).toBeGreaterThan(250);
    expect(files).toContain('runtime/api/main.ts');
    expect(files).toContain('cli/main.ts');
  });

  it('every import is an arrow the map allows, or a listed exception', () => {
    expect(findViolations(edges)).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(findCycles(edges)).toEqual([]);
  });

  it('every listed exception is still used (a fixed one leaves the list)', () => {
    const covers = (prefix: string, file: string) => file === prefix || (prefix.endsWith('/') && file.startsWith(prefix));
    const unused = EXCEPTIONS.filter((x) => !edges.some((e) => covers(x.from, e.from) && covers(x.to, e.to)));
    expect(unused).toEqual([]);
  });
});

describe('the checker itself', () => {
  it('names an arrow up the layers, an effect in a pure layer, a restricted module and a cycle', () => {
    const wrong: Edge[] = [
      { from: 'plan/compute-plan.ts', to: 'targets/types.ts' },
      { from: 'runtime/core/config.ts', to: 'lib/errors.ts' },
      { from: 'templates/render-all.ts', to: 'node:fs' },
      { from: 'cli/run-up.ts', to: 'lib/local-redis.ts' },
      { from: 'cli/run-up.ts', to: 'runtime/core/db.ts' },
      { from: 'targets/a.ts', to: 'targets/b.ts' },
      { from: 'targets/b.ts', to: 'targets/a.ts' },
      { from: 'cli/run-rollback.ts', to: 'targets/docker/docker-target.ts' },
      { from: 'cli/run-build.ts', to: 'engine/engine.ts' },
      { from: 'backup/docker/files-docker.ts', to: 'targets/docker/exec.ts' },
      { from: 'cli/run-deploy.ts', to: 'targets/select-target.ts' },
      { from: 'backup/docker/files-docker.ts', to: 'engine/exec.ts' },
    ];
    expect(findViolations(wrong)).toEqual([
      'plan/compute-plan.ts → targets/types.ts: plan/ may import only lib/, contract/, profile/',
      'runtime/core/config.ts → lib/errors.ts: runtime/core/ may import only contract/',
      'templates/render-all.ts → node:fs: templates/ is pure (no file, process or network effects)',
      'cli/run-up.ts → lib/local-redis.ts: only validate/, backup/scratch.ts may import it (starts throwaway Redis servers for validate/ and backup/scratch.ts)',
      'cli/run-up.ts → runtime/core/db.ts: cli/ may import only lib/, contract/, profile/, plan/, templates/, validate/, targets/, edge/, state/, checks/, backup/, loadtest/',
      'cli/run-rollback.ts → targets/docker/docker-target.ts: other layers reach targets/ only through targets/types.ts, targets/select-target.ts',
      'cli/run-build.ts → engine/engine.ts: cli/ may import only lib/, contract/, profile/, plan/, templates/, validate/, targets/, edge/, state/, checks/, backup/, loadtest/',
      'backup/docker/files-docker.ts → targets/docker/exec.ts: backup/ may import only lib/, contract/, profile/, plan/, state/, engine/',
    ]);
    expect(findCycles(wrong)).toEqual([['targets/a.ts', 'targets/b.ts']]);
  });
});
