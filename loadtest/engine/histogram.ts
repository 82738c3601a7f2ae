// HDR histograms (hdr-histogram-js) in microseconds, and their transport between threads:
// workers send compressed snapshots, the main thread decodes and adds them.
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/**
 * 1 µs .. 1 h at 3 significant digits (0.1 %). `fast` (32-bit buckets, ~90 kB) is for the
 * per-request hot path and the main thread's few long-lived totals: a packed histogram costs
 * ~10× more per add, which on a 2-core machine is CPU taken from the target. `packed` is for
 * histograms that are many and mostly empty.
 */
export function createHistogram(kind: 'packed' | 'fast' = 'packed'): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: kind === 'fast' ? 32 : 'packed', autoResize: true });
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

export function addEncoded(into: Histogram, encoded: string): void {
  const h = decodeHistogram(encoded);
  into.add(h);
  h.destroy();
}

/** Trend values in ms, keyed by k6's aggregation names. */
export function trendValues(h: Histogram, stats: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (h.totalCount === 0) return out;
  for (const s of stats) {
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(s);
    if (p) out[s] = h.getValueAtPercentile(Number(p[1])) / 1000;
    else if (s === 'avg') out.avg = h.mean / 1000;
    else if (s === 'min') out.min = h.minNonZeroValue / 1000;
    else if (s === 'max') out.max = h.maxValue / 1000;
    else if (s === 'med') out.med = h.getValueAtPercentile(50) / 1000;
    else if (s === 'count') out.count = h.totalCount;
  }
  return out;
}
