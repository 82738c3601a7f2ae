// Fresh TLS clients in a loop while a certificate is swapped: each round makes a new handshake
// (verified by the caller's probe) and says which serial it saw; stop() gives the tally.
export interface FreshTally {
  ok: number;
  failed: number;
  /** Serial (upper-case hex) → rounds that saw it. */
  seen: Map<string, number>;
}

export function startFreshTlsClients(probe: () => Promise<string>): { stop: () => Promise<FreshTally> } {
  const tally: FreshTally = { ok: 0, failed: 0, seen: new Map() };
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      try {
        const serial = (await probe()).toUpperCase();
        tally.seen.set(serial, (tally.seen.get(serial) ?? 0) + 1);
        tally.ok++;
      } catch {
        tally.failed++;
      }
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await loop;
      return tally;
    },
  };
}
