// docs/metrics.md is generated from contract/metrics.ts and must not drift from it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../contract/index.js';
import { METRICS_DOC, isMetricsDocStale, renderMetricsDoc } from '../../scripts/gen-metrics-doc.js';

describe('docs/metrics.md', () => {
  it('is up to date with contract/metrics.ts (regenerate: npx tsx scripts/gen-metrics-doc.ts)', () => {
    expect(readFileSync(METRICS_DOC, 'utf8')).toBe(renderMetricsDoc());
    expect(isMetricsDocStale()).toBe(false);
  });

  it('lists every contract metric with its labels', () => {
    const doc = renderMetricsDoc();
    for (const m of Object.values(METRICS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${m.name}`));
      expect(row, m.name).toBeDefined();
      for (const label of m.labels) expect(row).toContain(`\`${label}\``);
    }
  });

  it('labels stay bounded: no label that would carry a raw path, user or job id', () => {
    for (const m of Object.values(METRICS)) {
      for (const label of m.labels) expect(['path', 'url', 'user', 'user_id', 'job_id', 'file', 'filename', 'id']).not.toContain(label);
    }
  });
});
