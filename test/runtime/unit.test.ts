// Pure parts of the runtime, with exact expectations.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, looksLikeApiKey } from '../../runtime/core/api-keys.js';
import { readConfig } from '../../runtime/core/config.js';
import { RuntimeConfigError } from '../../runtime/core/errors.js';
import { createParamsValidator } from '../../runtime/core/job-params.js';
import { maskSecrets } from '../../runtime/core/logger.js';
import { parsePageRanges } from '../../runtime/core/pdf/page-ranges.js';
import { buildJobOptions } from '../../runtime/core/queue.js';
import { rateLimitHeaders } from '../../runtime/core/rate-limit.js';
import { parseRange } from '../../runtime/api/range.js';
import { redactText } from '../../lib/redact.js';
import { makeTempDir } from '../support/services.js';

describe('parsePageRanges', () => {
  it('turns 1-based ranges into 0-based indices', () => {
    expect(parsePageRanges('1-3,5,8-', 10)).toEqual([0, 1, 2, 4, 7, 8, 9]);
    expect(parsePageRanges(' 2 ', 3)).toEqual([1]);
  });
  it('rejects ranges outside the document or malformed ones', () => {
    expect(() => parsePageRanges('0-2', 5)).toThrow("page range '0-2' is outside 1-5");
    expect(() => parsePageRanges('4-2', 5)).toThrow('outside');
    expect(() => parsePageRanges('7', 5)).toThrow('outside 1-5');
    expect(() => parsePageRanges('abc', 5)).toThrow("bad page range 'abc'");
  });
});

describe('parseRange (HTTP Range)', () => {
  it('parses the three single-range forms', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
  });
  it('answers unsatisfiable or ignores what it does not support', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
});

describe('readConfig', () => {
  const dir = makeTempDir('prodctl-cfg-');
  const pepper = path.join(dir, 'pepper');
  writeFileSync(pepper, 'pepper-value\n');
  const base = { STORAGE_PATH: dir, API_KEY_PEPPER_FILE: pepper };

  it('reads env names from the contract and secrets from *_FILE', () => {
    const cfg = readConfig({ ...base, PG_POOL_MAX: '7', PG_STATEMENT_TIMEOUT_MS: '1500', JOB_BACKOFF_JITTER: '0.25' }, 'api');
    expect(cfg.pg.max).toBe(7);
    expect(cfg.pg.statementTimeoutMs).toBe(1500);
    expect(cfg.pg.applicationName).toBe('prodctl-api');
    expect(cfg.apiKeyPepper).toBe('pepper-value');
    expect(cfg.worker.backoffJitter).toBe(0.25);
  });

  it('lists every problem at once', () => {
    let err: RuntimeConfigError | undefined;
    try {
      readConfig({ PG_POOL_MAX: 'lots', OIDC_ISSUER: 'https://x/', PGPASSWORD_FILE: '/nope/pw' }, 'api');
    } catch (e) {
      err = e as RuntimeConfigError;
    }
    expect(err).toBeInstanceOf(RuntimeConfigError);
    expect(err!.message).toContain('STORAGE_PATH is required');
    expect(err!.message).toContain('PG_POOL_MAX=lots is not a number ≥ 1');
    expect(err!.message).toContain('PGPASSWORD_FILE=/nope/pw cannot be read (ENOENT)');
    expect(err!.message).toContain('OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL must be set together');
    expect(err!.hint).toContain('docs/runtime.md');
  });

  it('names the problems in the order of the settings, each once', () => {
    const bad = { PG_POOL_MAX: 'lots', OIDC_ISSUER: 'x', PGPASSWORD_FILE: '/nope', STORAGE_KIND: 'gcs', JOB_BACKOFF_TYPE: 'lin', JOB_BACKOFF_JITTER: '2', VERIFY_OUTPUT: 'q' };
    expect(() => readConfig(bad)).toThrow(
      [
        'invalid runtime configuration:',
        'STORAGE_KIND must be local or s3, got gcs',
        'PGPASSWORD_FILE=/nope cannot be read (ENOENT)',
        'PG_POOL_MAX=lots is not a number ≥ 1',
        'STORAGE_PATH is required',
        'OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL must be set together',
        'JOB_BACKOFF_TYPE must be exponential or fixed',
        'VERIFY_OUTPUT must be one of full, structure, off',
        'JOB_BACKOFF_JITTER must be between 0 and 1',
        'no auth configured: set API_KEY_PEPPER_FILE (API keys) and/or OIDC_ISSUER/OIDC_AUDIENCE/OIDC_JWKS_URL',
      ].join('\n  - '),
    );
  });

  it('verifies outputs in full unless told otherwise, and names the allowed modes', () => {
    expect(readConfig(base, 'worker').worker.verifyOutput).toBe('full');
    expect(readConfig({ ...base, VERIFY_OUTPUT: 'structure' }, 'worker').worker.verifyOutput).toBe('structure');
    expect(() => readConfig({ ...base, VERIFY_OUTPUT: 'some' }, 'worker')).toThrow('VERIFY_OUTPUT must be one of full, structure, off');
  });

  it('records first attempts as active after 250 ms unless told otherwise; 0 claims at the start', () => {
    expect(readConfig(base, 'worker').worker.activeAfterMs).toBe(250);
    expect(readConfig({ ...base, JOB_ACTIVE_AFTER_MS: '0' }, 'worker').worker.activeAfterMs).toBe(0);
    expect(() => readConfig({ ...base, JOB_ACTIVE_AFTER_MS: '-1' }, 'worker')).toThrow('JOB_ACTIVE_AFTER_MS=-1 is not a number ≥ 0');
  });

  it('builds BullMQ job options with attempts, jittered backoff and retention', () => {
    const cfg = readConfig({ ...base, JOB_ATTEMPTS: '4', JOB_BACKOFF_MS: '500', JOB_BACKOFF_JITTER: '0.3', REMOVE_ON_COMPLETE_COUNT: '10' }, 'worker');
    expect(buildJobOptions(cfg.worker, 'j1')).toEqual({
      jobId: 'j1',
      attempts: 4,
      backoff: { type: 'exponential', delay: 500, jitter: 0.3 },
      removeOnComplete: { age: 3600, count: 10 },
      removeOnFail: { age: 604800, count: 5000 },
    });
  });
});

describe('job params', () => {
  const validate = createParamsValidator();
  const id = '00000000-0000-4000-8000-000000000000';
  it('accepts valid params for every op', () => {
    expect(() => validate('watermark', [id], { text: 'x', opacity: 0.5, angle: 45 })).not.toThrow();
    expect(() => validate('merge', [id, id], {})).not.toThrow();
    expect(() => validate('metadata', [id], { title: 't', keywords: ['a'] })).not.toThrow();
  });
  it('names the bad field', () => {
    const field = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return (e as { field?: string }).field;
      }
      return null;
    };
    expect(field(() => validate('watermark', [id], { text: 'x', opacity: 2 }))).toBe('params.opacity');
    expect(field(() => validate('watermark', [id], {}))).toBe('params.text');
    expect(field(() => validate('optimize', [id], { turbo: true }))).toBe('params.turbo');
    expect(field(() => validate('split', [id], { ranges: ['1-2', 'x'] }))).toBe('params.ranges.1');
    expect(field(() => validate('info', [id, id], {}))).toBe('inputs');
    expect(field(() => validate('metadata', [id], {}))).toBe('params');
  });
});

describe('API keys and rate-limit headers', () => {
  it('keys carry the pdk_ prefix that redaction masks, and hash with the pepper', () => {
    const key = generateApiKey();
    expect(looksLikeApiKey(key)).toBe(true);
    expect(redactText(`key: ${key}`)).toBe('key: pdk_***');
    expect(maskSecrets(`Authorization: Bearer ${key}`)).toBe('Authorization: Bearer ***');
    expect(hashApiKey(key, 'a')).not.toBe(hashApiKey(key, 'b'));
    expect(hashApiKey(key, 'a')).toMatch(/^[0-9a-f]{64}$/);
  });
  it('emits RateLimit-* and Retry-After', () => {
    const bucket = { name: 'request' as const, perSecond: 10, burst: 20 };
    expect(rateLimitHeaders(bucket, { allowed: false, remaining: 0, retryAfterMs: 1200, resetMs: 2000, maintenance: false })).toEqual({
      'ratelimit-limit': '20',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '2',
      'ratelimit-policy': '20;w=2',
      'retry-after': '2',
    });
  });
});
