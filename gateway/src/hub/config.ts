/**
 * The hub role's own config file (`campus-gateway hub --config FILE`), YAML validated
 * with zod; unknown keys are errors. See edge/hub/hub.example.yaml.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, formatIssues, readYaml, substituteEnv } from '../config/load.js';

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
     * Shared-subscription group (`$share/<group>/…`), used when the broker offers it, so several
     * hub processes share the load; null (the default) subscribes plainly. Not on by default: a
     * broker that checks only deliveries against its ACL (mosquitto's `acl_file`) lets any school
     * join the group and take a share of every school's messages (edge/hub/README.md); use a
     * group only with a broker that checks subscriptions, or a group name kept secret. mosquitto 2.0.11 does not restore
     * shared subscriptions after its own restart (measured): what is published before the hub
     * resubscribes has no subscriber. Nothing is lost as long as `ack` is on (gateways resend what
     * the hub has not acknowledged); with `ack: false`, prefer null.
     */
    sharedGroup: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -').nullable().default(null),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
    /** Tell each gateway which messages are stored, on `<prefix>/<site>/ack`, so it can let go of them. */
    ack: z.boolean().default(true),
    sessionExpirySeconds: z.number().int().min(0).default(7 * 86_400),
  }),
  influx: z.strictObject({
    url: z.url(),
    database: z.string().min(1).default('district'),
    retentionPolicy: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    /** CREATE DATABASE at start when it is missing (needs admin rights on an auth-enabled InfluxDB); false: a missing database is a fatal error. */
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

/** Reads the file; a value that is exactly `${NAME}` comes from the environment (as in the gateway's config). */
export function loadHubConfig(file: string, env: NodeJS.ProcessEnv = process.env): HubConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  const problems: string[] = [];
  const raw = substituteEnv(readYaml(text, file) ?? {}, env, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return parseHubConfig(raw, file);
}
