// Worker-side metrics for one interval: HDR histograms per (endpoint, method, status) series plus
// counters. `snapshot()` encodes and resets, so each tick carries only what happened since the last.
import { createHistogram, encodeHistogram, type Histogram } from './histogram.js';
import type { SeriesSnapshot, WorkerTick } from './messages.js';

export interface Series {
  endpoint: string;
  method: string;
  status: number;
  count: number;
  failed: number;
  hist: Histogram;
}

/** k6's default expected statuses: 200–399; anything else (and network errors) is a failed request. */
export function isFailedStatus(status: number): boolean {
  return status < 200 || status >= 400;
}

export class IntervalRecorder {
  /** endpoint → method → status: literal keys and a number, no string built per request. */
  private readonly series = new Map<string, Map<string, Map<number, Series>>>();
  private readonly iterationHist = createHistogram('fast');
  private readonly jobTimeHist = createHistogram('fast');
  iterations = 0;
  interruptedIterations = 0;
  droppedIterations = 0;
  jobsCompleted = 0;
  jobsNotCompleted = 0;
  bytesIn = 0;
  bytesOut = 0;
  requests = 0;

  request(endpoint: string, method: string, status: number, micros: number, bytesIn: number, bytesOut: number): void {
    let byMethod = this.series.get(endpoint);
    if (!byMethod) this.series.set(endpoint, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let s = byStatus.get(status);
    if (!s) {
      s = { endpoint, method, status, count: 0, failed: 0, hist: createHistogram('fast') };
      byStatus.set(status, s);
    }
    s.count++;
    if (isFailedStatus(status)) s.failed++;
    s.hist.recordValue(Math.max(1, Math.round(micros)));
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    this.requests++;
  }

  iteration(micros: number): void {
    this.iterations++;
    this.iterationHist.recordValue(Math.max(1, Math.round(micros)));
  }

  job(completed: boolean, micros: number): void {
    if (completed) {
      this.jobsCompleted++;
      this.jobTimeHist.recordValue(Math.max(1, Math.round(micros)));
    } else this.jobsNotCompleted++;
  }

  private *allSeries(): Generator<Series> {
    for (const byMethod of this.series.values()) for (const byStatus of byMethod.values()) yield* byStatus.values();
  }

  /** `elapsedMs`: when the interval ends, in ms since the schedule's start (the worker's clock). */
  snapshot(index: number, final: boolean, vus: number, vusMax: number, elapsedMs: number): WorkerTick {
    const series: SeriesSnapshot[] = [];
    for (const s of this.allSeries()) {
      if (s.count === 0) continue;
      series.push({ endpoint: s.endpoint, method: s.method, status: s.status, count: s.count, failed: s.failed, hist: encodeHistogram(s.hist) });
      s.count = 0;
      s.failed = 0;
      s.hist.reset();
    }
    const tick: WorkerTick = {
      type: 'tick',
      index,
      final,
      elapsedMs,
      series,
      iterationHist: encodeHistogram(this.iterationHist),
      jobTimeHist: encodeHistogram(this.jobTimeHist),
      iterations: this.iterations,
      interruptedIterations: this.interruptedIterations,
      droppedIterations: this.droppedIterations,
      jobsCompleted: this.jobsCompleted,
      jobsNotCompleted: this.jobsNotCompleted,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      vus,
      vusMax,
    };
    this.iterationHist.reset();
    this.jobTimeHist.reset();
    this.iterations = this.interruptedIterations = this.droppedIterations = 0;
    this.jobsCompleted = this.jobsNotCompleted = this.bytesIn = this.bytesOut = 0;
    return tick;
  }
}
