import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code, tests beside the code) and `integration`
// (real servers: aedes, influxd, mosquitto, socat ptys, chromium), started by
// the shared test-server kit in gateway/test/kit.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['gateway/src/**/*.test.ts', 'gateway/bench/**/*.test.ts', 'gateway/web/src/**/*.test.ts', 'firmware-sim/src/**/*.test.ts', 'device-templates/**/*.test.ts', 'dashboards/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // Runs after the unit project; its own worker limit.
          sequence: { groupOrder: 1 },
          globalSetup: ['gateway/test/global-setup.ts'],
          include: ['gateway/test/**/*.test.ts', 'firmware-sim/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Integration files start real servers; two cores, so keep the pool small.
          maxWorkers: 2,
        },
      },
    ],
  },
});
