// The SLO model as plain data: thresholds must be histogram bounds, windows and rules follow the
// profile (shortened for tests, disabled per alert), and the contract's buckets hold the defaults.
import { describe, expect, it } from 'vitest';
import { HTTP_DURATION_BUCKETS } from '../../contract/index.js';
import { ConfigError } from '../../lib/errors.js';
import { DEFAULT_SLO } from '../../profile/slo-schema.js';
import { parseDuration } from '../../profile/units.js';
import { buildSloAlertRules, buildSloRecordingRules, listRecordingWindows, listSlos } from '../../templates/monitoring/slo-model.js';
import { planFor } from './monitoring-fixtures.js';

describe('SLO model', () => {
  it('the API histogram has a bucket at each default latency threshold, exactly', () => {
    for (const k of ['upload_latency', 'status_latency'] as const) {
      expect(HTTP_DURATION_BUCKETS).toContain(parseDuration(DEFAULT_SLO.objectives[k].threshold) / 1000);
    }
    const [upload, status] = listSlos(DEFAULT_SLO).filter((s) => s.counters.counts === 'good');
    expect(upload.counters.counted).toBe('prodctl_http_request_duration_seconds_bucket{method="POST",route="/v1/files",le="5"}');
    expect(status.counters.counted).toBe('prodctl_http_request_duration_seconds_bucket{method="GET",route="/v1/jobs/:id",le="1"}');
  });

  it('a latency threshold between two buckets is a config error naming its key', () => {
    const slo = structuredClone(DEFAULT_SLO);
    slo.objectives.status_latency.threshold = '750ms';
    expect(() => listSlos(slo)).toThrow(ConfigError);
    expect(() => listSlos(slo)).toThrow(/slo\.objectives\.status_latency\.threshold: 750ms/);
  });

  it('the medium preset carries the success metrics: 99.5 % availability over 30 days', () => {
    const slo = planFor('medium').profile.slo;
    expect(slo).toEqual(DEFAULT_SLO);
    expect(listSlos(slo).map((s) => [s.name, s.target])).toEqual([
      ['availability', 0.995],
      ['upload_latency', 0.99],
      ['status_latency', 0.99],
      ['probe_availability', 0.995],
      ['job_success', 0.99],
    ]);
    // Probes are samples of a 0/1 gauge: exact counts are samples over the window, not counter increases.
    expect(listSlos(slo).find((s) => s.name === 'probe_availability')!.sampled!('1h')).toEqual({
      bad: '(sum(count_over_time(probe_success{job=~"probe_readyz|probe_status"}[1h])) - sum(sum_over_time(probe_success{job=~"probe_readyz|probe_status"}[1h])))',
      total: 'sum(count_over_time(probe_success{job=~"probe_readyz|probe_status"}[1h]))',
    });
  });

  it('windows shortened through the profile are the ones recorded and alerted on; a disabled alert is not rendered', () => {
    const plan = planFor('small', {
      slo: { window: '1h', burn_alerts: { page_fast: { long_window: '2m', short_window: '1m' }, page_slow: { enabled: false }, ticket: { long_window: '10m', short_window: '5m' } } },
    });
    const slo = plan.profile.slo;
    expect(listRecordingWindows(slo)).toEqual(['1m', '2m', '5m', '10m', '30m', '6h', '1d']);
    const fast = buildSloAlertRules(slo).filter((r) => r.alert === 'SloBudgetBurnFast' && r.labels.slo === 'availability');
    expect(fast.map((r) => r.expr)).toEqual(['slo:sli_error:ratio_rate2m{slo="availability"} > 0.072 and slo:sli_error:ratio_rate1m{slo="availability"} > 0.072']);
    expect(buildSloAlertRules(slo).some((r) => r.alert === 'SloBudgetBurnSlow')).toBe(false);
    const budget = buildSloRecordingRules(slo).find((r) => r.record === 'slo:error_budget_remaining:ratio' && r.labels.slo === 'availability');
    expect(budget?.expr).toBe('1 - slo:sli_error:ratio_rate1h{slo="availability"} / 0.005');
  });
});
