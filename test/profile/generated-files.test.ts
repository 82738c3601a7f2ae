// The committed generated files match their generators (re-run the scripts after a schema change).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProfileJsonSchema } from '../../profile/json-schema.js';
import { renderProfileDoc } from '../../profile/render-profile-doc.js';

const read = (rel: string) => readFileSync(fileURLToPath(new URL(`../../${rel}`, import.meta.url)), 'utf8');

describe('generated profile files', () => {
  it('profile/prodctl.schema.json is what scripts/gen-profile-schema.ts writes', () => {
    expect(read('profile/prodctl.schema.json')).toBe(formatProfileJsonSchema());
  });

  it('docs/profile.md is what scripts/gen-profile-doc.ts writes, with a row for every key', () => {
    const doc = read('docs/profile.md');
    expect(doc).toBe(renderProfileDoc());
    for (const key of ['api.replicas', 'postgres.max_connections', 'redis.maxmemory', 'workers.per_job_memory', 'backup.schedule', 'images.api', 'secrets']) {
      expect(doc).toContain(`| \`${key}\` |`);
    }
    expect(doc).toMatch(/^\| `postgres\.max_connections` \| integer \| `50` \| `\d+` \| `300` \|/m);
  });
});
