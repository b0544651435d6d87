import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (fakes allowed) and integration tests that talk to a real
// Temporal dev server and a real MLflow server started by tests/integration/global-setup.ts.
export default defineConfig({
  test: {
    // Tests pin wasm-backend results (and trial keys without a backend); the native backend's own
    // tests name it explicitly (tests/integration/temporal/native-training.test.ts).
    env: { SEEDSWEEP_BACKEND: 'wasm' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          // Integration suites share two servers and the machine's 2 cores: run files one by one.
          fileParallelism: false,
        },
      },
    ],
  },
});
