/**
 * The hub role's own config file (`campus-gateway hub --config FILE`), YAML validated
 * with zod; unknown keys are errors. See edge/hub/hub.example.yaml.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatIssues } from '../config/load.js';

export const hubConfigSchema = z.strictObject({
  broker: z.strictObject({
    /** The hub broker the schools' gateways publish to. */
    url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'an MQTT URL such as mqtts://hub.district.local:8883'),
    username: z.string().optional(),
    password: z.string().optional(),
    caFile: z.string().optional(),
    /** Stable per hub process: the broker keeps its session (and queued messages) across restarts. */
    clientId: z.string().min(1).default(`campus-hub-${hostname()}`),
    topicPrefix: z.string().default('hub'),
    /**
     * Shared-subscription group (`$share/<group>/…`) so several hub processes share the load, used
     * when the broker offers it. Off (null) by default: mosquitto 2.0.11 does not keep shared
     * subscriptions across its own restart (measured), so summaries published between the broker's
     * restart and the hub's resubscription would be lost; a plain subscription in a persistent
     * session is kept and queued for. Turn it on for several hub processes, or with a broker that
     * persists shared subscriptions.
     */
    sharedGroup: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -').nullable().default(null),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
    sessionExpirySeconds: z.number().int().min(0).default(7 * 86_400),
  }),
  influx: z.strictObject({
    url: z.url(),
    database: z.string().min(1).default('district'),
    retentionPolicy: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    /** CREATE DATABASE at start (needs admin rights on an auth-enabled InfluxDB). */
    createDatabase: z.boolean().default(true),
  }),
  dedup: z.strictObject({
    /** SQLite file of recently seen message ids. */
    path: z.string().default('./data/hub-dedup.db'),
    /** How many ids to remember (the oldest are forgotten first). */
    capacity: z.number().int().min(1000).default(1_000_000),
  }).prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
});

export type HubConfig = z.infer<typeof hubConfigSchema>;
export type HubConfigInput = z.input<typeof hubConfigSchema>;

export function parseHubConfig(input: unknown, file = '(hub config)'): HubConfig {
  const result = hubConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues, input));
  return result.data;
}

export function loadHubConfig(file: string): HubConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, [`cannot read or parse: ${(err as Error).message}`]);
  }
  return parseHubConfig(raw ?? {}, file);
}
