// Calls of one event-loop turn answered by one round trip. Under load a turn holds many requests,
// and a round trip's fixed cost (pool checkout, protocol, parse/plan or script call on the server)
// is far more than one more item in it; each caller still gets a fresh answer from the store.

/** Most keys per query: bounds the statement and the time one query holds a connection. */
export const MAX_BATCH_KEYS = 256;

/**
 * Returns a call that queues its item until the check phase of this turn (setImmediate runs after
 * the poll phase, so every request read in this turn joins), or until `max` items wait, then
 * calls `send` once with the items in order; the i-th caller gets the i-th answer. A failed send
 * fails every caller of that batch.
 */
export function collectPerTurn<T, R>(send: (items: T[]) => Promise<R[]>, max: number): (item: T) => Promise<R> {
  let pending: { item: T; resolve(r: R): void; reject(err: unknown): void }[] = [];

  function flush(): void {
    const batch = pending;
    if (batch.length === 0) return; // already sent when it reached max
    pending = [];
    send(batch.map((p) => p.item)).then(
      (answers) => {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(answers[i]);
      },
      (err) => {
        for (const p of batch) p.reject(err);
      },
    );
  }

  return (item) =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ item, resolve, reject });
      if (pending.length >= max) flush();
    });
}

/**
 * Lookups by key, one `many` call per turn with the distinct keys in first-asked order. A key
 * `many` leaves out of its map answers null.
 */
export function batchPerTurn<V>(many: (keys: string[]) => Promise<Map<string, V>>): (key: string) => Promise<V | null> {
  return collectPerTurn<string, V | null>(async (keys) => {
    const found = await many([...new Set(keys)]);
    return keys.map((k) => found.get(k) ?? null);
  }, MAX_BATCH_KEYS);
}
