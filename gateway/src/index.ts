/** Public surface of the gateway package, for embedding and tests. */
export { createGateway, type Gateway } from './gateway.js';
export { loadConfigFile, parseConfig, ConfigError } from './config/load.js';
export { configSchema, type GatewayConfig, type GatewayConfigInput } from './config/schema.js';
export { checkStartable, InsecureConfigError } from './config/secure-start.js';
export { resolveStatePaths, type StatePaths } from './config/paths.js';
export { preflight } from './config/preflight.js';
export type { Reading, FieldValue } from './core/reading.js';
export { createRootLogger, silentLogger } from './log.js';
