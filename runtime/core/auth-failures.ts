// Per-source limit on failed authentication: a token bucket per client address that only failures
// draw from. While a source's bucket is empty, every request of it that needs auth gets 429 with
// Retry-After, before its credentials are even looked at, so guessing gets no answer at all. Kept
// in memory per replica: the check is a map lookup on the hot path (no Redis round trip for every
// authenticated request), and the map is bounded (the oldest source goes first when full).

export interface AuthFailureLimits {
  /** Failures a source may make in a row before it is refused. */
  burst: number;
  /** Failures per minute a source regains. */
  perMinute: number;
  /** Sources remembered at most (each costs about 100 bytes). */
  maxSources: number;
}

interface SourceBucket {
  tokens: number;
  at: number;
}

export interface AuthFailureLimiter {
  /** ms until `source` may try again, or 0 when it may try now. */
  blockedFor(source: string): number;
  /** Records a failed attempt; returns ms until the next one is allowed (0: allowed now). */
  recordFailure(source: string): number;
  readonly size: number;
}

export function createAuthFailureLimiter(limits: AuthFailureLimits, now: () => number = Date.now): AuthFailureLimiter {
  const perMs = limits.perMinute / 60_000;
  const sources = new Map<string, SourceBucket>();

  function refilled(source: string): SourceBucket | undefined {
    const b = sources.get(source);
    if (!b) return undefined;
    const t = now();
    b.tokens = Math.min(limits.burst, b.tokens + (t - b.at) * perMs);
    b.at = t;
    if (b.tokens >= limits.burst) sources.delete(source); // full again: nothing left to remember
    return b;
  }

  const waitFor = (b: SourceBucket) => (b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / perMs));

  return {
    blockedFor(source) {
      const b = refilled(source);
      return b ? waitFor(b) : 0;
    },
    recordFailure(source) {
      let b = refilled(source);
      if (!b || !sources.has(source)) {
        if (sources.size >= limits.maxSources) sources.delete(sources.keys().next().value as string);
        b = { tokens: b?.tokens ?? limits.burst, at: now() };
        sources.set(source, b);
      }
      b.tokens = Math.max(0, b.tokens - 1);
      return waitFor(b);
    },
    get size() {
      return sources.size;
    },
  };
}
