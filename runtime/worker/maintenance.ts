// Maintenance mode (set by `prodctl restore`): while the Redis flag exists the worker takes no
// new jobs; it resumes by itself when the flag is removed.
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export async function watchMaintenance(redis: Redis, key: string, worker: Pick<Worker, 'pause' | 'resume' | 'isPaused'>, log: Logger, everyMs = 1_000): Promise<() => void> {
  const check = async () => {
    const on = await redis.exists(key).catch(() => null);
    if (on === 1 && !worker.isPaused()) {
      log.warn('maintenance mode on: pausing');
      void worker.pause(true);
    } else if (on === 0 && worker.isPaused()) {
      log.info('maintenance mode off: resuming');
      worker.resume();
    }
  };
  await check();
  const timer = setInterval(check, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Runs the job reconciler every `everyMs`, never two rounds at once and not while the worker is
 * paused (a restore is rewriting Postgres and the queue). A round that fails is tried next time.
 */
export function startReconcileLoop(reconcile: () => Promise<unknown>, worker: Pick<Worker, 'isPaused'>, log: Logger, everyMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || worker.isPaused()) return;
    running = true;
    reconcile()
      .catch((err) => log.warn({ err: (err as Error).message }, 'job reconciler round failed; next round retries'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
