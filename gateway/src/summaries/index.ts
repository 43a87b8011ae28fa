export { createSummaries } from './engine.js';
export type { IngestOptions, Summaries, SummariesDeps, SummariesOptions, SummariesStats } from './engine.js';
export type { AlarmMessage, Clock, Resolution, SummaryBody, SummaryMessage, SummaryRow, UplinkMessage } from './types.js';
export { systemClock } from './types.js';
export type { UsageRule } from './kinds/usage.js';
export { DEFAULT_ZONES } from './kinds/pe-activity.js';
export type { HeartRateZones } from './kinds/pe-activity.js';
