// The API and the workers share the env they both act on: workers sweep temp files that uploads
// may still be writing, so they must know the API's request timeout, not their own default.
import { describe, expect, it } from 'vitest';
import { planExample } from './load-example.js';

describe('app env', () => {
  it('gives the workers the API request timeout next to their job timeout', async () => {
    const plan = await planExample('medium');
    const api = plan.services.find((s) => s.name === 'api')!;
    const worker = plan.services.find((s) => s.name === 'worker')!;
    expect(api.env.REQUEST_TIMEOUT_MS).toBe('30000');
    expect(worker.env.REQUEST_TIMEOUT_MS).toBe(api.env.REQUEST_TIMEOUT_MS);
    expect(Number(worker.env.JOB_TIMEOUT_MS)).toBeGreaterThan(0);
  });
});
