// The arithmetic of `prodctl slo`: exact counts, budget left, burn rate and time to exhaustion.
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SLO } from '../../profile/slo-schema.js';
import { renderSloSection } from '../../cli/slo-collect.js';
import { getFreePort } from '../../lib/net.js';
import { planFor } from './monitoring-fixtures.js';
import { buildSloQueries, computeSloRow, exactIncrease, formatExhaustion, formatSloMarkdown, formatSloTable } from '../../cli/slo-report.js';

const queries = buildSloQueries(DEFAULT_SLO, '30d', '1h');
const availability = queries.find((q) => q.slo.name === 'availability')!;
const upload = queries.find((q) => q.slo.name === 'upload_latency')!;

describe('prodctl slo arithmetic', () => {
  it('counts exactly: the counter now minus the counter at the window start, or all of it for series born inside', () => {
    expect(exactIncrease('c{a="1"}', '2h')).toBe('sum((c{a="1"} - c{a="1"} offset 2h) or c{a="1"})');
    expect(availability.counted).toBe(exactIncrease('prodctl_http_request_duration_seconds_count{status=~"5..",route!~"/livez|/readyz|/metrics"}', '30d'));
    expect(upload.counted).toContain('le="5"');
  });

  it('7 bad of 1000 against 99.5 %: actual 99.3 %, the budget overspent by 40 %, spent already', () => {
    const r = computeSloRow(availability, '30d', '1h', { counted: 7, total: 1000, burn: 0.007 });
    expect(r).toMatchObject({ bad: 7, total: 1000, actual: 0.993, target: 0.995 });
    expect(r.budgetRemaining).toBeCloseTo(-0.4, 12);
    expect(r.burnRate).toBeCloseTo(1.4, 12);
    expect(r.exhaustionSeconds).toBe(0);
    expect(formatExhaustion(r)).toBe('spent');
  });

  it('1 bad of 1000: 80 % of the budget left; at 2× the rest of a 30-day budget lasts 12 days', () => {
    const r = computeSloRow(availability, '30d', '1h', { counted: 1, total: 1000, burn: 0.01 });
    expect(r.budgetRemaining).toBeCloseTo(0.8, 12);
    expect(r.burnRate).toBeCloseTo(2, 12);
    expect(r.exhaustionSeconds).toBeCloseTo(0.8 * 30 * 86_400 / 2, 3);
    expect(formatExhaustion(r)).toBe('12.0 d');
  });

  it('latency objectives count the good events: 990 of 1000 under the threshold is 10 bad', () => {
    const r = computeSloRow(upload, '30d', '1h', { counted: 990, total: 1000, burn: 0 });
    expect(r).toMatchObject({ bad: 10, actual: 0.99, budgetRemaining: 0, exhaustionSeconds: 0 });
  });

  it('no traffic: no actual, no budget figure, nothing burning', () => {
    const r = computeSloRow(availability, '30d', '1h', { counted: null, total: null, burn: null });
    expect(r).toMatchObject({ total: 0, bad: 0, actual: null, budgetRemaining: null, burnRate: null, exhaustionSeconds: null });
    expect(formatSloTable([r])[1]).toContain('no traffic');
    expect(formatSloMarkdown([r], '30d', 'http://p')[0]).toBe('## Service level objectives (30d)');
  });

  it('the check report section says why when Prometheus cannot be asked', async () => {
    const port = await getFreePort();
    vi.stubEnv('PRODCTL_PROMETHEUS_URL', ''); // unset: the profile's port on 127.0.0.1, where nothing listens
    const section = await renderSloSection(planFor('small', { monitoring: { prometheus_port: port } }), '/nonexistent-state');
    expect(section).toContain('## Service level objectives (30d)');
    expect(section).toContain(`Not measured: Prometheus at http://127.0.0.1:${port} did not answer`);
    vi.unstubAllEnvs();
  });
});
