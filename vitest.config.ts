import { defineConfig } from 'vitest/config';

// Integration tests start real servers; give them room, and keep parallelism modest on 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // One throwaway Ceph RADOS Gateway (real S3) per run; see test/support/rgw.ts.
    globalSetup: ['test/support/rgw-global-setup.ts'],
  },
});
