// The vendored schemas are the published ones, unchanged: where the shared copies sit next to the
// checkout (../shared/schemas, or PRODCTL_SHARED_SCHEMAS), every vendored file must be byte-identical
// to its original. A checkout without them (a clone on its own) skips the comparison and says why:
// the originals are not part of this repository, so their absence is not a defect of the tree.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const vendored = path.join(root, 'schemas/vendor');
const shared = path.resolve(root, process.env.PRODCTL_SHARED_SCHEMAS ?? '../shared/schemas');
const files = readdirSync(vendored).filter((f) => f.endsWith('.json')).sort();
// Without the originals there is nothing to compare with: say so instead of skipping silently.
const noOriginals = existsSync(shared) ? null : `${shared} does not exist, so there are no originals to compare with (schemas/vendor/README.md says where each file comes from)`;
if (noOriginals) console.warn(`vendored schemas: byte comparison skipped: ${noOriginals}`);

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
  it.skipIf(noOriginals)(`are byte-identical to ../shared/schemas${noOriginals ? ` (skipped: ${noOriginals})` : ''}`, () => {
    for (const f of files) expect(readFileSync(path.join(vendored, f)).equals(readFileSync(path.join(shared, f))), f).toBe(true);
  });
});
