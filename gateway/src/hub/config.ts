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
import { httpSchema } from '../config/schema.js';
import { isTimeZone } from '../lib/zone.js';

/** The gateway's token hash check (scrypt or sha256), so both configs take the same hashes. */
const tokenHash = httpSchema.shape.tokens.unwrap().element.shape.tokenHash;
const siteId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase site id (letters, digits, -)');

/** The hub's HTTP API (hub/http-app.ts); absent = the hub serves no HTTP. */
export const hubHttpSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8090).describe('HTTP port of the hub\'s API.'),
  host: z.string().default('0.0.0.0').describe('Address the API listens on.'),
  tokens: z.array(z.strictObject({
    role: z.enum(['district', 'admin']).describe('district or admin: at the hub both read everything.'),
    tokenHash,
    name: z.string().optional().describe('Sent before the secret as `<name>.<secret>`, so a check costs one hash.'),
  })).default([]).describe('Role tokens, as the gateway\'s `http.tokens`; at the hub only `district` and `admin` exist.'),
  sites: z.record(siteId, z.string().min(1)).default({}).describe('Names shown by /api/schools; a school listed here and never heard from counts as silent.'),
  silentAfterSeconds: z.number().int().min(60).default(900).describe('A school with no message for this long is silent (/api/schools, campus_hub_schools_silent).'),
  historyDays: z.number().int().min(1).max(3660).default(35).describe('At start, /api/schools is filled from the district InfluxDB\'s last this many days.'),
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone name such as Asia/Shanghai').default('Asia/Shanghai')
    .describe('The district\'s IANA time zone: the local days of the district page (`/api/district`) and of its CSV export.'),
}).describe('The hub\'s HTTP API (health, metrics, schools, summaries, alarms); none when absent.');

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
    // mqtt.js hands a connection's messages to the hub one at a time and sends each PUBACK when the
    // hub says it is stored, so one connection holds one InfluxDB write at a time (measured ~100 msg/s).
    connections: z.number().int().min(1).max(32).default(1)
      .describe('MQTT connections this process opens in the shared group, each storing one message at a time, so up to this many InfluxDB writes run at once. '
        + 'The first uses `clientId`, the others `<clientId>-2`, `<clientId>-3`, …; more than 1 needs `sharedGroup` (with plain subscriptions every connection would get every message).'),
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
  http: hubHttpSchema.optional(),
  insecure: z.boolean().default(false).describe('Serve the HTTP API without tokens on purpose (a lab); refused otherwise.'),
}).superRefine((c, ctx) => {
  if (c.broker.connections > 1 && c.broker.sharedGroup === null) {
    ctx.addIssue({
      code: 'custom', path: ['broker', 'connections'],
      message: 'more than one connection needs broker.sharedGroup: with plain subscriptions every connection would receive (and write) every message',
    });
  }
  if (c.http !== undefined && c.http.tokens.length === 0 && !c.insecure) {
    ctx.addIssue({
      code: 'custom', path: ['http', 'tokens'],
      message: 'at least one district or admin token (its tokenHash from `campus-gateway devices hash-secret`), or insecure: true to serve the API open '
        + 'on purpose (GW_ERR_INSECURE_CONFIG: without tokens anyone on the network could read every school\'s summaries and alarms)',
    });
  }
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
