/**
 * The hub role's own config file (`campus-gateway hub --config FILE`), YAML validated
 * with zod; unknown keys are errors. See edge/hub/hub.example.yaml.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, formatIssues, readYaml, substituteEnv } from '../config/load.js';
import { httpSchema } from '../config/schema.js';

/** The gateway's token hash check (scrypt or sha256), so both configs take the same hashes. */
const tokenHash = httpSchema.shape.tokens.unwrap().element.shape.tokenHash;
const siteId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase site id (letters, digits, -)');

/** The hub's HTTP API (hub/http-app.ts); absent = the hub serves no HTTP. */
export const hubHttpSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8090),
  host: z.string().default('0.0.0.0'),
  /** Role tokens, as the gateway's `http.tokens`; at the hub only `district` and `admin` exist (both read everything). */
  tokens: z.array(z.strictObject({ role: z.enum(['district', 'admin']), tokenHash, name: z.string().optional() })).default([]),
  /** Names shown by /api/schools; a school listed here and never heard from counts as silent. */
  sites: z.record(siteId, z.string().min(1)).default({}),
  /** A school with no message for this long is silent (/api/schools, campus_hub_schools_silent). */
  silentAfterSeconds: z.number().int().min(60).default(900),
  /** At start, /api/schools is filled from the district InfluxDB's last this many days. */
  historyDays: z.number().int().min(1).max(3660).default(35),
});

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
  http: hubHttpSchema.optional(),
  /** Serve the HTTP API without tokens on purpose (a lab); refused otherwise. */
  insecure: z.boolean().default(false),
}).superRefine((c, ctx) => {
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
