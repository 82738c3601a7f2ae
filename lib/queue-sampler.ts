// Adapter: the worker autoscaler's view of the BullMQ queue, through BullMQ's own API (job
// counts, and the oldest waiting job in ascending order, as the runtime's queue gauges read it).
import { Queue } from 'bullmq';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  oldestWaitingAgeMs: number;
}

export interface QueueSampler {
  sample(): Promise<QueueCounts>;
  close(): Promise<void>;
}

export interface QueueSamplerOptions {
  host: string;
  port: number;
  password?: string;
  queueName: string;
  now?: () => number;
}

export function createQueueSampler(o: QueueSamplerOptions): QueueSampler {
  const queue = new Queue(o.queueName, { connection: { host: o.host, port: o.port, password: o.password, maxRetriesPerRequest: 1, connectTimeout: 2000 } });
  queue.on('error', () => {}); // a failed sample rejects; the controller records it and tries again
  const now = o.now ?? Date.now;
  return {
    async sample() {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const [oldest] = await queue.getJobs(['waiting'], 0, 0, true);
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        oldestWaitingAgeMs: oldest ? Math.max(0, now() - oldest.timestamp) : 0,
      };
    },
    close: () => queue.close(),
  };
}
