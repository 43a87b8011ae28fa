export { createHub } from './hub.js';
export type { Hub, HubStats } from './hub.js';
export { hubConfigSchema, loadHubConfig, parseHubConfig } from './config.js';
export type { HubConfig, HubConfigInput } from './config.js';
export { hubMessageSchema, toLines } from './points.js';
export type { HubMessage } from './points.js';
export { openSeenIds } from './dedup.js';
export { writeLines, InfluxWriteError } from './influx-writer.js';
