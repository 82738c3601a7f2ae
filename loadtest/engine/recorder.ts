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
  private readonly series = new Map<string, Series>();
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
    const key = `${endpoint} ${method} ${status}`;
    let s = this.series.get(key);
    if (!s) {
      s = { endpoint, method, status, count: 0, failed: 0, hist: createHistogram('fast') };
      this.series.set(key, s);
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

  snapshot(index: number, final: boolean, vus: number, vusMax: number): WorkerTick {
    const series: SeriesSnapshot[] = [];
    for (const s of this.series.values()) {
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
