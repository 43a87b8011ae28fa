export { ackTopic, createUplink, topicOf } from './uplink.js';
export type { Uplink, UplinkDeps, UplinkHealth, UplinkOptions } from './uplink.js';
export { openOutbox } from './outbox.js';
export type { Outbox, OutboxEntry } from './outbox.js';
export { summariesOptionsFrom, uplinkOptionsFrom } from './school-uplink.js';
export { simulatedSchool } from './simulated-school.js';
export type { SchoolBatch, SimulatedSchool } from './simulated-school.js';
