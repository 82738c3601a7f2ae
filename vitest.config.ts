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
    // Shared services, one per run: a 3-node Docker Swarm, only when swarm tests are selected
    // (test/swarm/global-setup.ts); a throwaway Ceph RADOS Gateway, real S3 (test/support/rgw.ts);
    // Pebble, the ACME test CA, for the TLS tests (test/support/pebble-global.ts).
    globalSetup: ['test/swarm/global-setup.ts', 'test/support/rgw-global-setup.ts', 'test/support/pebble-global.ts'],
  },
});
