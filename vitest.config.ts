import { defineConfig } from 'vitest/config';

// Integration tests start real servers; give them room, and keep parallelism modest on 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    // One Pebble (ACME test CA) per run for the TLS tests.
    globalSetup: ['test/support/pebble-global.ts'],
    reporters: ['default'],
    // One 3-node Docker Swarm per run, only when swarm tests are selected (test/swarm/global-setup.ts), and one
    // throwaway Ceph RADOS Gateway (real S3) per run (test/support/rgw.ts).
    globalSetup: ['test/swarm/global-setup.ts', 'test/support/rgw-global-setup.ts'],
  },
});
