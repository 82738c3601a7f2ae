// The rendered postgresql.conf and redis.conf of each example, started for real and read back.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RenderedFile } from '../../templates/types.js';
import { renderPostgresqlConf } from '../../templates/postgres/render-postgresql-conf.js';
import { renderRedisConf } from '../../templates/redis/render-redis-conf.js';
import { validatePostgresqlConf } from '../../validate/validate-postgresql-conf.js';
import { validateRedisConf } from '../../validate/validate-redis-conf.js';
import { makeTempDir } from '../support/services.js';
import { EXAMPLE_PRESETS, loadExamplePlan } from './support.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function writeRendered(files: RenderedFile[]): string {
  const dir = makeTempDir('prodctl-render-conf-');
  dirs.push(dir);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  return dir;
}

describe.each(EXAMPLE_PRESETS)('%s example', (preset) => {
  it('postgres starts with the rendered postgresql.conf and holds every setting', async () => {
    const plan = await loadExamplePlan(preset);
    const r = await validatePostgresqlConf(writeRendered([renderPostgresqlConf(plan)]), plan);
    expect(r.skipped).toBeUndefined();
    expect(r.details).toEqual([expect.stringMatching(/^40 settings read back equal from postgres 15$/)]);
    expect(r.ok).toBe(true);
  });

  it('redis-server starts with the rendered redis.conf and holds every setting', async () => {
    const plan = await loadExamplePlan(preset);
    const r = await validateRedisConf(writeRendered([renderRedisConf(plan)]), plan);
    expect(r.skipped).toBeUndefined();
    expect(r.details).toEqual(['25 settings read back equal from redis-server (profile redis 7)']);
    expect(r.ok).toBe(true);
  });
});

describe('a wrong file is caught', () => {
  it('postgres: a setting the server does not hold as written', async () => {
    const plan = await loadExamplePlan('small');
    const f = renderPostgresqlConf(plan);
    // two lines for one setting: the server keeps the last, the parser the last too — so break the unit instead
    const dir = writeRendered([{ ...f, content: f.content.replace('shared_buffers = 192MB', 'shared_buffers = 192MBB') }]);
    const r = await validatePostgresqlConf(dir, plan);
    expect(r.ok).toBe(false);
    expect(r.details.join('\n')).toMatch(/shared_buffers/);
  });

  it('redis: an unknown directive keeps redis-server from starting', async () => {
    const plan = await loadExamplePlan('small');
    const f = renderRedisConf(plan);
    const r = await validateRedisConf(writeRendered([{ ...f, content: `${f.content}maxmemory-polcy noeviction\n` }]), plan);
    expect(r.ok).toBe(false);
    expect(r.details[0]).toMatch(/^redis-server refused to start with it/);
  });
});
