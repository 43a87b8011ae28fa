/**
 * The gateway's configuration (docs/interfaces.md "Configuration"). YAML validated with
 * zod; unknown keys are errors (strictObject everywhere). Types come from here.
 */
import { z } from 'zod';
import { isSecretHash } from '../broker/secrets.js';

const port = z.number().int().min(0).max(65535);
const deviceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a device id: letters, digits, . _ - (max 128)');
const templateId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a kebab-case template id');
/**
 * Hashes are checked here, so `config check` refuses what start-up refuses. The messages never
 * repeat the value (formatIssues hides it too): a mistyped hash is often the secret itself.
 */
const secretHash = z.string().refine(isSecretHash, 'an scrypt$N$r$p$salt$hash string made by `campus-gateway devices hash-secret` (never the secret itself)');
const tokenHash = z.string().refine(
  (s) => /^sha256\$[0-9a-f]{64}$/.test(s) || isSecretHash(s),
  'an scrypt$N$r$p$salt$hash string made by `campus-gateway devices hash-secret` from the token, or sha256$<64 hex> (never the token itself)',
);

export const tlsSchema = z.strictObject({
  port: port.default(8883),
  certFile: z.string(),
  keyFile: z.string(),
  caFile: z.string().optional(),
  requestClientCert: z.boolean().default(false),
}).superRefine((t, ctx) => {
  if (t.requestClientCert && !t.caFile) ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'caFile (the CA that signs client certificates) is required with requestClientCert: true' });
});

export const brokerSchema = z.strictObject({
  /** Plain MQTT over TCP; null: none (only TLS and/or WebSocket listen). */
  port: port.nullable().default(1883),
  host: z.string().default('0.0.0.0'),
  tls: tlsSchema.optional(),
  websocket: z.strictObject({
    port: port.default(8083),
    path: z.string().default('/mqtt'),
    /** Browser origins (`https://host[:port]`) that may connect; a request without Origin (a device) is always allowed. */
    allowedOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: http(s)://host[:port], no path')).default([]),
  }).optional(),
  auth: z.strictObject({
    enabled: z.boolean().default(false),
    maxFailures: z.number().int().min(1).default(5),
    lockoutSeconds: z.number().int().min(1).default(300),
    /** Gateway-internal and admin MQTT users; their topic filters default to everything. */
    internalUsers: z.array(z.strictObject({
      /** Its client ids are `<username>` or `<username>:<suffix>`, so it cannot hold `:`. */
      username: z.string().regex(/^[^:]+$/, 'a username without ":"'),
      /** scrypt hash (see `campus-gateway devices hash-secret`). */
      secretHash,
      publish: z.array(z.string().min(1)).default(['#']),
      subscribe: z.array(z.string().min(1)).default(['#']),
    })).default([]),
  }).prefault({}),
  /** Refused for every client: a subscription overlapping `topic` gets SUBACK 0x80; a publish matching it disconnects. */
  deny: z.array(z.strictObject({
    topic: z.string().min(1),
    action: z.enum(['publish', 'subscribe', 'all']).default('subscribe'),
  })).default([]),
  limits: z.strictObject({
    maxPacketBytes: z.number().int().min(1024).default(256 * 1024),
    maxConnections: z.number().int().min(1).default(10_000),
    /** Per client; a client over it (after a burst of the same size) is disconnected. */
    publishesPerSecond: z.number().int().min(1).default(2_000),
    /** Per persistent session: QoS 1/2 messages beyond it are dropped and counted. */
    offlineQueueLength: z.number().int().min(0).default(1_000),
    /** A connection that sends no CONNECT (or TLS handshake) within this time is closed. */
    connectTimeoutMs: z.number().int().min(100).default(10_000),
    /**
     * A subscriber whose socket does not drain within this time is disconnected, so one client
     * that stops reading cannot stall the publishers whose messages it subscribed to.
     */
    drainTimeoutMs: z.number().int().min(100).default(5_000),
    /**
     * Open sockets per source address over all listeners. Campus devices mostly have their own
     * address; devices behind one NAT router share it: list the router in perAddressExempt.
     */
    maxConnectionsPerAddress: z.number().int().min(1).default(100),
    /** Addresses maxConnectionsPerAddress does not apply to (default: loopback, i.e. processes on the gateway). */
    perAddressExempt: z.array(z.string().min(1)).default(['127.0.0.1', '::1']),
  }).prefault({}),
  lifecycle: z.strictObject({
    /** A polled device is offline after this many missed polls. */
    missedPolls: z.number().int().min(1).default(3),
    /** An `offline-alarm` is raised when a device stays offline this long. */
    offlineAlarmAfterSeconds: z.number().int().min(0).default(900),
  }).prefault({}),
}).superRefine((b, ctx) => {
  if (b.port === null && !b.tls && !b.websocket) ctx.addIssue({ code: 'custom', path: ['port'], message: 'null (no plain TCP listener) needs broker.tls or broker.websocket' });
});

export const deviceSchema = z.strictObject({
  id: deviceId,
  template: templateId,
  secretHash: secretHash.optional(),
  room: z.string().optional(),
  building: z.string().optional(),
  /** For `id` devices (pens, bands, clickers): the person the device is bound to. */
  person: z.string().optional(),
});

export const modbusAdapterSchema = z.strictObject({
  transport: z.enum(['tcp', 'rtu']),
  host: z.string().optional(),
  port: port.optional(),
  path: z.string().optional(),
  baudRate: z.number().int().positive().default(9600),
  unitId: z.number().int().min(0).max(255).default(1),
  template: templateId,
  deviceId,
  intervalMs: z.number().int().min(50).default(5_000),
  timeoutMs: z.number().int().min(10).default(1_000),
  retries: z.number().int().min(0).default(1),
  room: z.string().optional(),
  building: z.string().optional(),
}).superRefine((a, ctx) => {
  if (a.transport === 'tcp' && !a.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'host is required for transport tcp' });
  if (a.transport === 'rtu' && !a.path) ctx.addIssue({ code: 'custom', path: ['path'], message: 'path is required for transport rtu' });
});

export const serialAdapterSchema = z.strictObject({
  path: z.string(),
  baudRate: z.number().int().positive().optional(),
  template: templateId,
  deviceId,
  intervalMs: z.number().int().min(50).default(10_000),
  room: z.string().optional(),
  building: z.string().optional(),
});

export const storeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('embedded'),
    path: z.string().default('./data'),
    retentionDays: z.number().int().min(1).default(30),
  }),
  z.strictObject({
    kind: z.literal('influx'),
    url: z.url(),
    apiVersion: z.union([z.literal(1), z.literal(2)]).default(1),
    database: z.string().optional(),
    retentionPolicy: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    org: z.string().optional(),
    bucket: z.string().optional(),
    token: z.string().optional(),
    batchSize: z.number().int().min(1).default(5_000),
    flushMs: z.number().int().min(10).default(1_000),
    spoolPath: z.string().optional(),
    /**
     * Acknowledge QoS 1 once readings are in a local write-ahead log (group-commit fsync) and write
     * InfluxDB in the background. Off by default: without it a QoS 1 publish is acknowledged once its
     * batch is written to InfluxDB or fsynced to the spool (equally durable); measured here, the log
     * cost ~40% more CPU per message without a clear throughput gain.
     */
    wal: z.boolean().default(false),
    /**
     * Gzip request bodies. `auto` (default): compress unless InfluxDB is on this machine
     * (loopback), where compressing costs both processes CPU and saves nothing.
     */
    gzip: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    walPath: z.string().optional(),
    /** The durable spool used while InfluxDB is unreachable or slow (gateway/src/store/README.md). */
    spool: z.strictObject({
      maxBytes: z.number().int().min(1024 * 1024).default(512 * 1024 * 1024),
      maxAgeHours: z.number().positive().default(7 * 24),
      whenFull: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest'),
    }).prefault({}),
  }).superRefine((s, ctx) => {
    if (s.apiVersion === 1 && !s.database) ctx.addIssue({ code: 'custom', path: ['database'], message: 'database is required for apiVersion 1' });
    if (s.apiVersion === 2) {
      for (const k of ['org', 'bucket', 'token'] as const) {
        if (!s[k]) ctx.addIssue({ code: 'custom', path: [k], message: `${k} is required for apiVersion 2` });
      }
    }
  }),
]);

export const uplinkSchema = z.strictObject({
  url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'an MQTT URL such as mqtt://hub.school.local:1883'),
  username: z.string().optional(),
  password: z.string().optional(),
  caFile: z.string().optional(),
  topicPrefix: z.string().default('hub'),
  /** The district hub's web page, linked from the gateway's District tab (omitted when unset). */
  hubUrl: z.string().regex(/^https?:\/\/[^\s"'<>]+$/, 'an http(s) URL such as https://hub.district.example/').optional(),
  windowSeconds: z.number().int().min(1).refine((n) => 3600 % n === 0, 'a number of seconds that divides an hour').default(60),
  /** A window is closed (and sent, once) this long after its end; later readings for it are counted as late. */
  graceSeconds: z.number().int().min(0).max(3600).default(30),
  /** The durable outbox (SQLite) holding summaries and alarms until the hub broker acknowledges them. */
  outboxPath: z.string().default('./data/uplink-outbox.db'),
  /** Hour/day roll-ups and counter anchors of the summaries, kept across restarts. */
  summariesStatePath: z.string().default('./data/summaries-state.bin'),
  /** Bound of the outbox; when full the oldest lowest-priority message is dropped and counted. */
  outboxMaxMessages: z.number().int().min(100).default(200_000),
  /** Keep each message until the hub role acknowledges storing it (`<topicPrefix>/<site>/ack`); off for a hub that does not. */
  hubAck: z.boolean().default(true),
  /** Resend what the hub has not acknowledged after this long. */
  ackTimeoutSeconds: z.number().int().min(1).default(30),
  /** A device offline longer than this raises an `offline` alarm. */
  offlineAlarmSeconds: z.number().int().min(10).default(600),
  /** The site's offset from UTC: hour/day roll-ups, school hours and lesson periods are local. */
  utcOffsetMinutes: z.number().int().min(-720).max(840).refine((n) => n % 15 === 0, 'a multiple of 15 minutes').default(0),
  /** Lights on outside these hours (and on non-school days, 0 = Sunday) count as left on. */
  schoolHours: z.strictObject({
    start: z.string().regex(/^\d{1,2}:\d{2}$/, 'a time of day HH:MM').default('07:00'),
    end: z.string().regex(/^\d{1,2}:\d{2}$/, 'a time of day HH:MM').default('18:00'),
    days: z.array(z.number().int().min(0).max(6)).default([1, 2, 3, 4, 5]),
  }).prefault({}),
  /** Lesson periods (`HH:MM-HH:MM`, local) for class sessions until teachers' sessions are known. */
  lessonPeriods: z.array(z.string().regex(/^\d{1,2}:\d{2}-\d{1,2}:\d{2}$/, 'a period HH:MM-HH:MM')).default([]),
});

export const privacySchema = z.strictObject({
  pseudonymKeyFile: z.string().default('./data/pseudonym.key'),
  minGroupSize: z.number().int().min(2).default(5),
});

export const httpSchema = z.strictObject({
  port: port.default(8080),
  host: z.string().default('0.0.0.0'),
  tokens: z.array(z.strictObject({
    role: z.enum(['facilities', 'teacher', 'district', 'admin']),
    /** scrypt hash of the bearer token (see `campus-gateway devices hash-secret`). */
    tokenHash,
    name: z.string().optional(),
  })).optional(),
});

export const configSchema = z.strictObject({
  site: z.strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase site id (letters, digits, -)').default('demo-school'),
    name: z.string().default('Demo School'),
  }).prefault({}),
  broker: brokerSchema.prefault({}),
  devices: z.array(deviceSchema).default([]),
  adapters: z.strictObject({
    modbus: z.array(modbusAdapterSchema).default([]),
    serial: z.array(serialAdapterSchema).default([]),
  }).prefault({}),
  store: storeSchema.default({ kind: 'embedded', path: './data', retentionDays: 30 }),
  uplink: uplinkSchema.optional(),
  privacy: privacySchema.prefault({}),
  http: httpSchema.prefault({}),
  /** Where the device templates live; defaults to the bundled device-templates package. */
  templatesDir: z.string().optional(),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
  /**
   * Run without broker auth or without API tokens on purpose (a lab, a demo). Without it such a
   * config is refused at start (secure-start.ts); with it every dashboard page and /api/health say so.
   */
  insecure: z.boolean().default(false),
});

export type GatewayConfig = z.infer<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type ModbusAdapterConfig = z.infer<typeof modbusAdapterSchema>;
export type SerialAdapterConfig = z.infer<typeof serialAdapterSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
