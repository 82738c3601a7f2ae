// API keys for the VUs: one user and one key per VU, so per-user rate limits and quotas behave as
// in production (one shared key would hit one user's limit and measure the limiter instead).
import { readFile } from 'node:fs/promises';

/** A keys file is a JSON array of strings, or one key per line. */
export function parseKeysFile(text: string): string[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    const data = JSON.parse(t) as unknown;
    if (!Array.isArray(data) || !data.every((k) => typeof k === 'string')) throw new Error('expected a JSON array of key strings');
    return data;
  }
  return t.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

export async function readKeysFile(file: string): Promise<string[]> {
  return parseKeysFile(await readFile(file, 'utf8'));
}

/** User name of VU n (1-based); stable, so repeated runs reuse the same users. */
export function loadtestUserName(vu: number): string {
  return `loadtest-vu-${String(vu).padStart(4, '0')}`;
}

/** Mint `count` keys with bounded concurrency through the given minting function. */
export async function mintKeys(count: number, mint: (user: string) => Promise<string>, concurrency = 8): Promise<string[]> {
  const keys = new Array<string>(count);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      keys[i] = await mint(loadtestUserName(i + 1));
    }
  });
  await Promise.all(workers);
  return keys;
}
