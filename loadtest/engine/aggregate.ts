// Main-thread side: merge worker ticks into cumulative HDR histograms per series, plus a
// per-second timeline for the live line and the HTML plots.
import { addEncoded, createHistogram, type Histogram } from './histogram.js';
import type { Counters, WorkerTick } from './messages.js';
import type { Series as SeriesTotals } from './recorder.js';

export type { Series as SeriesTotals } from './recorder.js';

export interface TimelinePoint {
  /** Seconds since the start. */
  t: number;
  requests: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  vus: number;
}

export interface Totals extends Counters {
  vusMax: number;
}

interface Bucket {
  requests: number;
  failed: number;
  hist: Histogram;
  vus: Map<number, number>;
}

export class Aggregate {
  readonly series = new Map<string, SeriesTotals>();
  readonly iterationHist = createHistogram();
  readonly jobTimeHist = createHistogram();
  readonly totals: Totals = { iterations: 0, interruptedIterations: 0, droppedIterations: 0, jobsCompleted: 0, jobsNotCompleted: 0, bytesIn: 0, bytesOut: 0, vusMax: 0 };
  private readonly buckets = new Map<number, Bucket>();
  private readonly vusMaxByWorker = new Map<number, number>();
  readonly vusByWorker = new Map<number, number>();

  /** Epoch ms of the schedule's start; set once the workers are started. */
  constructor(public startAt: number) {}

  add(tick: WorkerTick, now = Date.now()): void {
    const second = Math.max(0, Math.floor((now - this.startAt) / 1000));
    let bucket = this.buckets.get(second);
    if (!bucket) {
      bucket = { requests: 0, failed: 0, hist: createHistogram(), vus: new Map() };
      this.buckets.set(second, bucket);
    }
    for (const s of tick.series) {
      const key = `${s.endpoint} ${s.method} ${s.status}`;
      let tot = this.series.get(key);
      if (!tot) {
        tot = { endpoint: s.endpoint, method: s.method, status: s.status, count: 0, failed: 0, hist: createHistogram() };
        this.series.set(key, tot);
      }
      tot.count += s.count;
      tot.failed += s.failed;
      addEncoded(tot.hist, s.hist);
      addEncoded(bucket.hist, s.hist);
      bucket.requests += s.count;
      bucket.failed += s.failed;
    }
    addEncoded(this.iterationHist, tick.iterationHist);
    addEncoded(this.jobTimeHist, tick.jobTimeHist);
    const t = this.totals;
    t.iterations += tick.iterations;
    t.interruptedIterations += tick.interruptedIterations;
    t.droppedIterations += tick.droppedIterations;
    t.jobsCompleted += tick.jobsCompleted;
    t.jobsNotCompleted += tick.jobsNotCompleted;
    t.bytesIn += tick.bytesIn;
    t.bytesOut += tick.bytesOut;
    this.vusByWorker.set(tick.index, tick.vus);
    bucket.vus.set(tick.index, tick.vus);
    this.vusMaxByWorker.set(tick.index, Math.max(this.vusMaxByWorker.get(tick.index) ?? 0, tick.vusMax));
    t.vusMax = [...this.vusMaxByWorker.values()].reduce((a, b) => a + b, 0);
  }

  get requests(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.count;
    return n;
  }

  get failed(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.failed;
    return n;
  }

  activeVus(): number {
    return [...this.vusByWorker.values()].reduce((a, b) => a + b, 0);
  }

  /** All series matching the filter, merged into one new histogram (caller owns it). */
  merged(filter: (s: SeriesTotals) => boolean): { hist: Histogram; count: number; failed: number } {
    const hist = createHistogram();
    let count = 0;
    let failed = 0;
    for (const s of this.series.values()) {
      if (!filter(s)) continue;
      hist.add(s.hist);
      count += s.count;
      failed += s.failed;
    }
    return { hist, count, failed };
  }

  timeline(): TimelinePoint[] {
    return [...this.buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, b]) => ({
        t,
        requests: b.requests,
        failed: b.failed,
        p50: b.hist.totalCount ? b.hist.getValueAtPercentile(50) / 1000 : 0,
        p95: b.hist.totalCount ? b.hist.getValueAtPercentile(95) / 1000 : 0,
        p99: b.hist.totalCount ? b.hist.getValueAtPercentile(99) / 1000 : 0,
        vus: [...b.vus.values()].reduce((a, v) => a + v, 0),
      }));
  }
}
