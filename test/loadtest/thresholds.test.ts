import { describe, expect, it } from 'vitest';
import { compareThreshold, evaluateThreshold, evaluateThresholds, formatObserved, parseMetricKey, parseThresholdExpr } from '../../loadtest/thresholds.js';

describe('threshold expressions', () => {
  it('parses k6 aggregations, operators and numbers exactly', () => {
    expect(parseThresholdExpr('p(95)<5000')).toEqual({ source: 'p(95)<5000', aggregation: 'p(95)', percentile: 95, op: '<', value: 5000 });
    expect(parseThresholdExpr('p(99.9) <= 1.5')).toEqual({ source: 'p(99.9) <= 1.5', aggregation: 'p(99.9)', percentile: 99.9, op: '<=', value: 1.5 });
    expect(parseThresholdExpr('rate>0.95')).toMatchObject({ aggregation: 'rate', op: '>', value: 0.95 });
    expect(parseThresholdExpr('count==0')).toMatchObject({ aggregation: 'count', op: '==', value: 0 });
    expect(parseThresholdExpr('avg!=-1')).toMatchObject({ aggregation: 'avg', op: '!=', value: -1 });
    expect(parseThresholdExpr('med>=10')).toMatchObject({ aggregation: 'med', op: '>=', value: 10 });
  });

  it('rejects what k6 would reject', () => {
    for (const bad of ['p95<5000', 'p(95)<', 'rate<<1', 'p(101)<1', 'avg < five', '']) expect(() => parseThresholdExpr(bad), bad).toThrow();
  });

  it('parses metric keys with tag filters', () => {
    expect(parseMetricKey('http_req_duration{endpoint:upload}')).toEqual({ source: 'http_req_duration{endpoint:upload}', name: 'http_req_duration', tags: { endpoint: 'upload' } });
    expect(parseMetricKey('http_req_failed{ method:GET , status:500 }').tags).toEqual({ method: 'GET', status: '500' });
    expect(parseMetricKey('job_completion')).toEqual({ source: 'job_completion', name: 'job_completion', tags: {} });
    expect(() => parseMetricKey('http_req_duration{endpoint}')).toThrow(/tag:value/);
    expect(() => parseMetricKey('9bad')).toThrow();
  });

  it('compares with every operator, boundaries included', () => {
    expect([compareThreshold(5000, '<', 5000), compareThreshold(5000, '<=', 5000), compareThreshold(0.95, '>', 0.95), compareThreshold(0.95, '>=', 0.95)]).toEqual([false, true, false, true]);
    expect([compareThreshold(1, '==', 1), compareThreshold(1, '!=', 1)]).toEqual([true, false]);
  });

  it('evaluates against observed values; no samples pass as in k6', () => {
    const e = parseThresholdExpr('p(95)<1000');
    expect(evaluateThreshold('m', e, { 'p(95)': 999.9 })).toEqual({ metric: 'm', expr: 'p(95)<1000', ok: true, observed: 999.9, aggregation: 'p(95)' });
    expect(evaluateThreshold('m', e, { 'p(95)': 1000 }).ok).toBe(false);
    expect(evaluateThreshold('m', e, undefined)).toEqual({ metric: 'm', expr: 'p(95)<1000', ok: true, observed: undefined, aggregation: 'p(95)' });
  });

  it('evaluates a whole thresholds map through a lookup, in order', () => {
    const values: Record<string, Record<string, number>> = {
      'http_req_duration{endpoint:upload}': { 'p(95)': 6200 },
      http_req_failed: { rate: 0.01 },
      job_completion: { rate: 0.5 },
    };
    const res = evaluateThresholds(
      { 'http_req_duration{endpoint:upload}': ['p(95)<5000', 'max<60000'], http_req_failed: ['rate<0.02'], job_completion: ['rate>0.95'] },
      (key) => values[key.source],
    );
    expect(res.map((r) => [r.metric, r.expr, r.ok])).toEqual([
      ['http_req_duration{endpoint:upload}', 'p(95)<5000', false],
      ['http_req_duration{endpoint:upload}', 'max<60000', true],
      ['http_req_failed', 'rate<0.02', true],
      ['job_completion', 'rate>0.95', false],
    ]);
    expect(formatObserved(res[0], true)).toBe('6200.00ms');
    expect(formatObserved(res[2], false)).toBe('1.00%');
    expect(formatObserved(res[1], true)).toBe('no data');
  });
});
