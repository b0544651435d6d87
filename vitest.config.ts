import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './tests/file-order.js';
import { unitFilesNeedingIsolation } from './tests/isolation.js';

/**
 * Test files run up to this many at a time, unit, integration and chaos together (the chaos suite
 * takes one of them for its whole run): most integration time is
 * spent waiting on servers, processes and polls rather than on the 2 cores, so files overlap well.
 * Every integration file has task queues of its own (tests/integration/queue-isolation.ts) and names
 * its own sweeps and state folders, so they share the servers safely; the one that restarts a server
 * (server-restart) and the chaos suite start their own.
 */
const workers = Number(process.env['SEEDSWEEP_TEST_WORKERS'] ?? 4);

/** Unit files that mock modules or change the environment: each in a fresh module graph (tests/isolation.ts). */
const isolatedUnitFiles = unitFilesNeedingIsolation(import.meta.dirname);

// Two projects: fast unit tests (fakes allowed) and integration tests that talk to a real
// Temporal dev server and a real MLflow server started by tests/integration/global-setup.ts.
export default defineConfig({
  test: {
    // Tests pin wasm-backend results (and trial keys without a backend); the native backend's own
    // tests name it explicitly (tests/integration/temporal/native-training.test.ts).
    env: { SEEDSWEEP_BACKEND: 'wasm' },
    // One number for every project: vitest runs projects of one group with one worker count.
    maxWorkers: workers,
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        // Unit files share one module graph per test worker: TF.js, the Temporal SDK and the sources
        // are imported once per worker, not once per file.
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          exclude: isolatedUnitFiles,
          isolate: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'unit-isolated',
          include: isolatedUnitFiles,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          exclude: ['tests/integration/chaos/**'],
          globalSetup: ['tests/integration/global-setup.ts'],
          setupFiles: ['tests/integration/queue-isolation.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The chaos suite brings up its own namespace cluster (two worker hosts training). It starts
        // first (the longest file) and runs beside the others: it spends much of its time waiting on
        // faults (a 20 s network cut, restarts, heartbeat timeouts), and its cases passed at a load
        // average of 15–18 (2026-12-07), so it no longer needs the machine to itself.
        test: {
          name: 'chaos',
          include: ['tests/integration/chaos/**/*.test.ts'],
          testTimeout: 900_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
