// The shared test-server kit: real servers for integration tests (see gateway/test/README.md).
export { ensurePackages, APT_LOCK_FILE } from './packages.js';
export { freePort } from './ports.js';
export { startInflux } from './influx.js';
export type { InfluxServer, InfluxQueryResult, InfluxStatementResult, InfluxSeries, InfluxValue } from './influx.js';
export { startMosquitto } from './mosquitto.js';
export type { MosquittoServer, MosquittoOptions } from './mosquitto.js';
export { createPtyPair } from './pty.js';
export type { PtyPair } from './pty.js';
export { launchChromium, CHROMIUM_PATH } from './chromium.js';
export { testOutputDir, repoRoot } from './paths.js';
export { until } from './wait.js';
