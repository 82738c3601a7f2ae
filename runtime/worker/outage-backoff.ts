// Waiting out a backing service: delays that grow while failures go on and start small again
// once something succeeds.

export interface OutageBackoff {
  /** The delay before the next try, longer after each call until reset(). */
  next(): number;
  reset(): void;
}

export function createOutageBackoff(firstMs = 250, maxMs = 5_000): OutageBackoff {
  let failures = 0;
  return {
    next() {
      const ms = Math.min(maxMs, firstMs * 2 ** Math.min(failures, 10));
      failures++;
      return ms;
    },
    reset() {
      failures = 0;
    },
  };
}

/** Calls `fn` until it resolves, waiting a growing delay between tries; `onRetry` hears each failure. */
export async function retryUntilDone<T>(fn: () => Promise<T>, onRetry: (err: unknown, delayMs: number) => void, backoff: OutageBackoff = createOutageBackoff()): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const delayMs = backoff.next();
      onRetry(err, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
