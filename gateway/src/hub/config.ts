/**
 * The hub role's own config file (`campus-gateway hub --config FILE`), YAML validated
 * with zod; unknown keys are errors. See edge/hub/hub.example.yaml. The `.describe()` texts
 * reach gateway/hub-config.schema.json and docs/configuration.md (`npm run gen`).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, formatIssues, readYaml, substituteEnv } from '../config/load.js';

export const hubConfigSchema = z.strictObject({
  broker: z.strictObject({
    url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'an MQTT URL such as mqtts://hub.district.local:8883').describe('The hub broker the schools\' gateways publish to.'),
    username: z.string().optional().describe('MQTT username.'),
    password: z.string().optional().describe('MQTT password; use `${NAME}` to read it from the environment.'),
    caFile: z.string().optional().describe('PEM CA that signs the broker\'s certificate (mqtts, wss).'),
    clientId: z.string().min(1).default(`campus-hub-${hostname()}`).describe('Stable per hub process: the broker keeps its session (and queued messages) across restarts. Default: `campus-hub-<hostname>`.'),
    topicPrefix: z.string().default('hub').describe('The gateways\' `uplink.topicPrefix`.'),
    // mosquitto 2.0.11 does not restore shared subscriptions after its own restart (measured): what is
    // published before the hub resubscribes has no subscriber. Nothing is lost as long as `ack` is on.
    sharedGroup: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -').nullable().default(null)
      .describe('Shared-subscription group (`$share/<group>/…`) so several hub processes share the load; null subscribes plainly. '
        + 'A broker that checks only deliveries against its ACL (mosquitto\'s `acl_file`) lets any school join the group and take a share of every school\'s messages '
        + '(edge/hub/README.md): use a group only with a broker that checks subscriptions, or a group name kept secret; with `ack: false`, prefer null.'),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5).describe('MQTT 3.1.1 (4) or 5.'),
    ack: z.boolean().default(true).describe('Tell each gateway which messages are stored, on `<prefix>/<site>/ack`, so it can let go of them.'),
    sessionExpirySeconds: z.number().int().min(0).default(7 * 86_400).describe('How long the broker keeps the hub\'s session while it is away (MQTT 5).'),
  }).describe('The hub MQTT broker.'),
  influx: z.strictObject({
    url: z.url().describe('District InfluxDB base URL.'),
    database: z.string().min(1).default('district').describe('Database of summaries and alarms.'),
    retentionPolicy: z.string().optional().describe('Retention policy; default: the database\'s.'),
    username: z.string().optional().describe('InfluxDB user.'),
    password: z.string().optional().describe('InfluxDB password; use `${NAME}` to read it from the environment.'),
    createDatabase: z.boolean().default(true).describe('CREATE DATABASE at start (needs admin rights on an auth-enabled InfluxDB).'),
  }).describe('Where summaries and alarms are written (InfluxDB 1.x API).'),
  dedup: z.strictObject({
    path: z.string().default('./data/hub-dedup.db').describe('SQLite file of recently seen message ids. Default: `<GATEWAY_DATA_DIR>/hub-dedup.db` when that is set, else `./data/hub-dedup.db`.'),
    capacity: z.number().int().min(1000).default(1_000_000).describe('How many ids to remember (the oldest are forgotten first).'),
  }).prefault({}).describe('Recognising a message a gateway sent again.'),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('The least severe log level written (pino).'),
  }).prefault({}).describe('Logging.'),
});

export type HubConfig = z.infer<typeof hubConfigSchema>;
export type HubConfigInput = z.input<typeof hubConfigSchema>;

export function parseHubConfig(input: unknown, file = '(hub config)'): HubConfig {
  const result = hubConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues, input, hubConfigSchema));
  return result.data;
}

/**
 * Reads the file; a value that is exactly `${NAME}` comes from the environment (as in the gateway's
 * config). With GATEWAY_DATA_DIR set, a `dedup.path` the file does not name goes there.
 */
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
  return parseHubConfig(withDataDir(raw, env.GATEWAY_DATA_DIR), file);
}

function withDataDir(raw: unknown, dataDir: string | undefined): unknown {
  if (!dataDir || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const dedup = (raw as { dedup?: unknown }).dedup;
  if (dedup !== undefined && (dedup === null || typeof dedup !== 'object' || Array.isArray(dedup))) return raw; // the schema says what is wrong
  if ((dedup as { path?: unknown } | undefined)?.path !== undefined) return raw;
  return { ...raw, dedup: { ...(dedup as object | undefined), path: join(dataDir, 'hub-dedup.db') } };
}
