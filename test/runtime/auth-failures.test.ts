// The per-source limiter of failed authentications and its settings, with a hand-driven clock.
import { describe, expect, it } from 'vitest';
import { createAuthFailureLimiter } from '../../runtime/core/auth-failures.js';
import { readConfig } from '../../runtime/core/config.js';

function limiter(burst: number, perMinute: number, maxSources = 100) {
  let t = 1_000_000;
  const l = createAuthFailureLimiter({ burst, perMinute, maxSources }, () => t);
  return { l, advance: (ms: number) => (t += ms) };
}

describe('createAuthFailureLimiter', () => {
  it('allows `burst` failures in a row, then blocks until one attempt is regained', () => {
    const { l, advance } = limiter(3, 6); // one attempt back every 10 s
    expect(l.blockedFor('a')).toBe(0);
    expect([l.recordFailure('a'), l.recordFailure('a')]).toEqual([0, 0]);
    expect(l.recordFailure('a')).toBe(10_000);
    expect(l.blockedFor('a')).toBe(10_000);
    expect(l.blockedFor('b')).toBe(0);
    advance(4_000);
    expect(l.blockedFor('a')).toBe(6_000);
    advance(6_000);
    expect(l.blockedFor('a')).toBe(0);
    expect(l.recordFailure('a')).toBe(10_000); // the one regained attempt is spent at once
  });

  it('forgets a source once it is full again, and remembers at most maxSources', () => {
    const { l, advance } = limiter(2, 60, 3);
    l.recordFailure('a');
    expect(l.size).toBe(1);
    advance(1_000);
    expect(l.blockedFor('a')).toBe(0);
    expect(l.size).toBe(0);
    const one = limiter(1, 60, 3).l; // every failure blocks for 1 s
    for (const s of ['a', 'b', 'c', 'd']) expect(one.recordFailure(s)).toBe(1_000);
    expect(one.size).toBe(3);
    // 'a' went first to make room for 'd'.
    expect(['a', 'b', 'c', 'd'].map((s) => one.blockedFor(s))).toEqual([0, 1_000, 1_000, 1_000]);
  });
});

describe('readConfig: failed-auth limits and trusted proxies', () => {
  const base = { STORAGE_PATH: '/tmp/x', API_KEY_PEPPER_FILE: '' , OIDC_ISSUER: 'https://i/', OIDC_AUDIENCE: 'a', OIDC_JWKS_URL: 'https://i/jwks' };
  it('defaults to 10 in a row and 10 a minute, trusting loopback and private networks', () => {
    const cfg = readConfig(base, 'api');
    expect(cfg.authFailures).toEqual({ burst: 10, perMinute: 10 });
    expect(cfg.trustProxy).toEqual(['loopback', 'linklocal', 'uniquelocal', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  });
  it('reads them from the environment; TRUST_PROXY=none trusts no peer', () => {
    const cfg = readConfig({ ...base, AUTH_FAILURE_BURST: '5', AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: ' 10.1.0.0/16 , loopback' }, 'api');
    expect([cfg.authFailures, cfg.trustProxy]).toEqual([{ burst: 5, perMinute: 2 }, ['10.1.0.0/16', 'loopback']]);
    expect(readConfig({ ...base, TRUST_PROXY: 'none' }, 'api').trustProxy).toBe(false);
    expect(() => readConfig({ ...base, AUTH_FAILURE_BURST: '0' }, 'api')).toThrow('AUTH_FAILURE_BURST=0 is not a number ≥ 1');
  });
});
