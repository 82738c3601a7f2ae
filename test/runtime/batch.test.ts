// batchPerTurn: the lookups of one event-loop turn become one call with the distinct keys; each
// caller gets its own answer, a missing key is null, a failure reaches every caller of the batch.
import { describe, expect, it } from 'vitest';
import { batchPerTurn, MAX_BATCH_KEYS } from '../../runtime/core/batch.js';

function recording(answer: (keys: string[]) => Map<string, string> | Error) {
  const calls: string[][] = [];
  const lookup = batchPerTurn<string>(async (keys) => {
    calls.push(keys);
    const a = answer(keys);
    if (a instanceof Error) throw a;
    return a;
  });
  return { calls, lookup };
}

describe('batchPerTurn', () => {
  it('answers the lookups of one turn with one call of the distinct keys, in first-asked order', async () => {
    const { calls, lookup } = recording((keys) => new Map(keys.filter((k) => k !== 'gone').map((k) => [k, `v:${k}`])));
    const got = await Promise.all([lookup('a'), lookup('b'), lookup('a'), lookup('gone')]);
    expect(got).toEqual(['v:a', 'v:b', 'v:a', null]);
    expect(calls).toEqual([['a', 'b', 'gone']]);
    // A later turn is a new batch.
    expect(await lookup('c')).toBe('v:c');
    expect(calls).toEqual([['a', 'b', 'gone'], ['c']]);
  });

  it('fails every caller of a batch whose call failed, and the next batch works again', async () => {
    let fail = true;
    const { lookup } = recording((keys) => (fail ? new Error('connection terminated') : new Map(keys.map((k) => [k, k]))));
    const rs = await Promise.allSettled([lookup('a'), lookup('b')]);
    expect(rs.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual(['Error: connection terminated', 'Error: connection terminated']);
    fail = false;
    expect(await lookup('a')).toBe('a');
  });

  it(`splits a turn of more than ${MAX_BATCH_KEYS} distinct keys into calls of at most that many`, async () => {
    const { calls, lookup } = recording((keys) => new Map(keys.map((k) => [k, k.toUpperCase()])));
    const keys = Array.from({ length: MAX_BATCH_KEYS * 2 + 3 }, (_, i) => `k${i}`);
    expect(await Promise.all(keys.map((k) => lookup(k)))).toEqual(keys.map((k) => k.toUpperCase()));
    expect(calls.map((c) => c.length)).toEqual([MAX_BATCH_KEYS, MAX_BATCH_KEYS, 3]);
  });
});
