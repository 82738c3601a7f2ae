// vitest globalSetup: ONE throwaway Ceph RADOS Gateway per test run (test/support/rgw-cluster.ts),
// its endpoint and a user's generated keys handed to the tests through provide/inject
// (test/support/rgw.ts). Each test makes a bucket of its own. Without Ceph installed the tests
// that need it fail under CI=true and are skipped with the install command otherwise.
import type { TestProject } from 'vitest/node';
import { cephInstalled, CEPH_INSTALL_HINT, startRgwCluster, type RgwCoordinates } from './rgw-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    rgw: RgwCoordinates | { unavailable: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!cephInstalled()) {
    project.provide('rgw', { unavailable: `Ceph is not installed — ${CEPH_INSTALL_HINT}` });
    return async () => {};
  }
  // A second try on a busy machine (8 engineers on 2 cores) before giving up; the reason is printed.
  let last: Error | null = null;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const { stop, ...coords } = await startRgwCluster();
      project.provide('rgw', coords);
      return stop;
    } catch (err) {
      last = err as Error;
      console.warn(`test RGW: start attempt ${attempt} failed: ${last.message}`);
    }
  }
  project.provide('rgw', { unavailable: `the test RGW did not start: ${last!.message}` });
  return async () => {};
}
