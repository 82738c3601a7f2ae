// The vendored schemas are the published ones, unchanged: where the shared copies sit next to the
// checkout (../shared/schemas, or PRODCTL_SHARED_SCHEMAS), every vendored file must be byte-identical
// to its original. Outside CI a missing folder skips the comparison and says why; in CI it fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const vendored = path.join(root, 'schemas/vendor');
const shared = path.resolve(root, process.env.PRODCTL_SHARED_SCHEMAS ?? '../shared/schemas');
const files = readdirSync(vendored).filter((f) => f.endsWith('.json')).sort();
// Without the originals there is nothing to compare with: say so instead of skipping silently.
const noOriginals = existsSync(shared) ? null : `${shared} does not exist, so there are no originals to compare with (schemas/vendor/README.md says where each file comes from)`;
const inCi = process.env.CI === 'true';
if (noOriginals && !inCi) console.warn(`vendored schemas: byte comparison skipped: ${noOriginals}`);

describe('vendored schemas', () => {
  it('cover compose, Traefik static and dynamic, Grafana and Alertmanager', () => {
    expect(files).toEqual([
      'compose-spec.schema.json',
      'grafana-dashboard-5.x.schema.json',
      'prometheus-alertmanager.schema.json',
      'traefik-v3-file-provider.schema.json',
      'traefik-v3.schema.json',
    ]);
  });
  it.runIf(noOriginals && inCi)('have their originals to compare with (CI does not skip the comparison)', () => {
    expect.fail(`${noOriginals}; put the originals there or set PRODCTL_SHARED_SCHEMAS to their folder`);
  });
  it.skipIf(noOriginals)(`are byte-identical to ../shared/schemas${noOriginals ? ` (skipped: ${noOriginals})` : ''}`, () => {
    for (const f of files) expect(readFileSync(path.join(vendored, f)).equals(readFileSync(path.join(shared, f))), f).toBe(true);
  });
});
