// Lookups of one event-loop turn answered by one query. Under load a turn holds many requests,
// and a round trip's fixed cost (pool checkout, protocol, parse/plan on the server) is far more
// than one more row of an indexed lookup; each caller still gets a fresh answer from the store.

/** Most keys per query: bounds the statement and the time one query holds a connection. */
export const MAX_BATCH_KEYS = 256;

/**
 * Returns a lookup that queues its key until the check phase of this turn (setImmediate runs
 * after the poll phase, so every request read in this turn joins), then calls `many` once with
 * the distinct keys. A key `many` leaves out of its map answers null; a failed query fails every
 * caller of that batch.
 */
export function batchPerTurn<V>(many: (keys: string[]) => Promise<Map<string, V>>): (key: string) => Promise<V | null> {
  let pending = new Map<string, { resolve(v: V | null): void; reject(err: unknown): void }[]>();

  function flush(): void {
    const batch = pending;
    if (batch.size === 0) return; // already sent when it reached MAX_BATCH_KEYS
    pending = new Map();
    many([...batch.keys()]).then(
      (found) => {
        for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key) ?? null);
      },
      (err) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      },
    );
  }

  return (key) =>
    new Promise((resolve, reject) => {
      if (pending.size === 0) setImmediate(flush);
      const waiters = pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else pending.set(key, [{ resolve, reject }]);
      if (pending.size >= MAX_BATCH_KEYS) flush();
    });
}
