/**
 * The gateway's configuration (docs/interfaces.md "Configuration"). YAML validated with
 * zod; unknown keys are errors (strictObject everywhere). Types come from here.
 * Each key's `.describe()` text is its documentation: it reaches gateway/config.schema.json
 * (editors) and docs/configuration.md (regenerate both with `npm run gen`).
 */
import { z } from 'zod';
import { isTimeZone } from '../lib/zone.js';
import { isSecretHash } from '../lib/secret-hash.js';

const port = z.number().int().min(0).max(65535);
const deviceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a device id: letters, digits, . _ - (max 128)');
const templateId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a kebab-case template id').describe('The device template (a folder of device-templates/, e.g. `energy-meter-3p`).');
const room = z.string().optional().describe('Room, a tag on every reading and shown on the dashboard.');
const building = z.string().optional().describe('Building, a tag on every reading and shown on the dashboard.');
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('The least severe log level written (pino).');
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
  port: port.default(8883).describe('MQTT over TLS port (0: any free port).'),
  certFile: z.string().describe('PEM certificate chain of the broker.'),
  keyFile: z.string().describe('PEM private key of certFile.'),
  caFile: z.string().optional().describe('PEM CA that signs client certificates.'),
  requestClientCert: z.boolean().default(false).describe('Ask devices for a client certificate (signed by caFile).'),
}).describe('MQTT over TLS; absent: no TLS listener.').superRefine((t, ctx) => {
  if (t.requestClientCert && !t.caFile) ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'caFile (the CA that signs client certificates) is required with requestClientCert: true' });
});

export const brokerSchema = z.strictObject({
  port: port.nullable().default(1883).describe('Plain MQTT over TCP (0: any free port); null: none, only TLS and/or WebSocket listen. Environment: GATEWAY_MQTT_PORT.'),
  host: z.string().default('0.0.0.0').describe('Address every broker listener binds to.'),
  tls: tlsSchema.optional(),
  websocket: z.strictObject({
    port: port.default(8083).describe('MQTT over WebSocket port (0: any free port).'),
    path: z.string().default('/mqtt').describe('HTTP path of the WebSocket endpoint.'),
    allowedOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: http(s)://host[:port], no path'))
      .default([]).describe('Browser origins (`https://host[:port]`) that may connect; a request without Origin (a device) is always allowed.'),
  }).optional().describe('MQTT over WebSocket (browsers, some devices); absent: no WebSocket listener.'),
  auth: z.strictObject({
    enabled: z.boolean().default(false).describe('Devices log in with their id and secret (`devices[].secretHash`); off only with `insecure: true`.'),
    maxFailures: z.number().int().min(1).default(5).describe('Failed logins from one source address before it is locked out (a success clears only its own username\'s failures).'),
    lockoutSeconds: z.number().int().min(1).default(300).describe('How long a locked-out address is refused.'),
    maxWaitingLogins: z.number().int().min(1).max(100_000).default(64).describe('Logins from one address that may wait for a verification slot; beyond it CONNACK 3 (busy), and devices retry. Raise it for a NAT router with many devices behind it, so a restart storm is served without retries.'),
    internalUsers: z.array(z.strictObject({
      username: z.string().regex(/^[^:]+$/, 'a username without ":"').describe('Its client ids are `<username>` or `<username>:<suffix>`, so it cannot hold `:`; not a device id.'),
      secretHash: secretHash.describe('scrypt hash of its password (`campus-gateway devices hash-secret`).'),
      publish: z.array(z.string().min(1)).default(['#']).describe('Topic filters it may publish to.'),
      subscribe: z.array(z.string().min(1)).default(['#']).describe('Topic filters it may subscribe to.'),
    })).default([]).describe('Gateway-internal and admin MQTT users; their topic filters default to everything.'),
  }).prefault({}).describe('Device and user logins.'),
  deny: z.array(z.strictObject({
    topic: z.string().min(1).describe('Topic filter.'),
    action: z.enum(['publish', 'subscribe', 'all']).default('subscribe').describe('What is refused.'),
  })).default([]).describe('Refused for every client: a subscription overlapping `topic` gets SUBACK 0x80; a publish matching it disconnects.'),
  limits: z.strictObject({
    maxPacketBytes: z.number().int().min(1024).default(256 * 1024).describe('Largest MQTT packet accepted.'),
    maxConnections: z.number().int().min(1).default(10_000).describe('Open connections over all listeners.'),
    publishesPerSecond: z.number().int().min(1).default(2_000).describe('Per client; a client over it (after a burst of the same size) is disconnected.'),
    offlineQueueLength: z.number().int().min(0).default(1_000).describe('Per persistent session: QoS 1/2 messages beyond it are dropped and counted.'),
    connectTimeoutMs: z.number().int().min(100).default(10_000).describe('A connection that sends no CONNECT (or TLS handshake) within this time is closed.'),
    drainTimeoutMs: z.number().int().min(100).default(5_000)
      .describe('A subscriber whose socket does not drain within this time is disconnected, so one client that stops reading cannot stall the publishers whose messages it subscribed to.'),
    maxConnectionsPerAddress: z.number().int().min(1).default(100)
      .describe('Open sockets per source address over all listeners. Campus devices mostly have their own address; devices behind one NAT router share it: list the router in perAddressExempt.'),
    perAddressExempt: z.array(z.string().min(1)).default(['127.0.0.1', '::1']).describe('Addresses maxConnectionsPerAddress does not apply to (default: loopback, i.e. processes on the gateway).'),
  }).prefault({}).describe('Limits that keep one client from taking the broker down.'),
  stateTopics: z.strictObject({
    enabled: z.boolean().default(false).describe('Publish every device\'s latest normalized (de-identified) reading on `campus/<template>/<id>/state` and the gateway\'s view of its availability on `campus/<template>/<id>/availability`, both retained (docs/apps.md).'),
    minIntervalMs: z.number().int().min(0).default(1_000).describe('At most one `state` message per device per this many ms (last value wins), so a class of pens does not flood the broker.'),
  }).prefault({}).describe('Topics for the school\'s own apps; only the gateway publishes them.'),
  lifecycle: z.strictObject({
    missedPolls: z.number().int().min(1).default(3).describe('A polled device is offline after this many missed polls.'),
    offlineAlarmAfterSeconds: z.number().int().min(0).default(900).describe('An `offline-alarm` is raised when a device stays offline this long.'),
  }).prefault({}).describe('When a device counts as offline.'),
}).superRefine((b, ctx) => {
  if (b.port === null && !b.tls && !b.websocket) ctx.addIssue({ code: 'custom', path: ['port'], message: 'a port number; null (no plain TCP listener) only together with broker.tls or broker.websocket' });
});

export const deviceSchema = z.strictObject({
  id: deviceId.describe('The device id: its MQTT username and the `<device-id>` of its topics.'),
  template: templateId,
  secretHash: secretHash.optional().describe('scrypt hash of the device\'s MQTT password (`campus-gateway devices hash-secret`); without it the device cannot log in when broker auth is on.'),
  room,
  building,
  person: z.string().optional().describe('For `id` devices (pens, bands, clickers): the person the device is bound to; leaves the gateway only as a pseudonym.'),
});

export const modbusAdapterSchema = z.strictObject({
  transport: z.enum(['tcp', 'rtu']).describe('Modbus TCP (a meter or gateway on the network) or RTU (RS-485 on a serial port).'),
  host: z.string().optional().describe('Address of the Modbus TCP device (transport tcp).'),
  port: port.optional().describe('Modbus TCP port (default 502).'),
  path: z.string().optional().describe('Serial port of the RS-485 adapter, e.g. /dev/ttyUSB0 (transport rtu).'),
  baudRate: z.number().int().positive().default(9600).describe('Serial speed (transport rtu).'),
  unitId: z.number().int().min(0).max(255).default(1).describe('Modbus unit (slave) id of the device.'),
  template: templateId,
  deviceId: deviceId.describe('The id its readings are stored under.'),
  intervalMs: z.number().int().min(50).default(5_000).describe('Poll interval.'),
  timeoutMs: z.number().int().min(10).default(1_000).describe('How long to wait for an answer.'),
  retries: z.number().int().min(0).default(1).describe('Retries of a poll that got no answer.'),
  room,
  building,
}).superRefine((a, ctx) => {
  if (a.transport === 'tcp' && !a.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'host is required for transport tcp' });
  if (a.transport === 'rtu' && !a.path) ctx.addIssue({ code: 'custom', path: ['path'], message: 'path is required for transport rtu' });
});

export const serialAdapterSchema = z.strictObject({
  path: z.string().describe('Serial port, e.g. /dev/ttyUSB0 (a missing one is a warning: USB adapters get plugged in later), or `tcp://host:port` of a serial device server in raw TCP mode (ser2net, NPort).'),
  baudRate: z.number().int().positive().optional().describe('Serial speed; default: the template\'s.'),
  template: templateId,
  deviceId: deviceId.describe('The id its readings are stored under.'),
  intervalMs: z.number().int().min(50).default(10_000).describe('Poll interval, for templates that are asked.'),
  silenceMs: z.number().int().min(0).optional().describe('With no line from the device for this long, the port is closed and opened again (a USB adapter can vanish without the port reporting it closed). Default: the template\'s offlineAfterMs; 0: never. For a polled template it must be longer than intervalMs.'),
  room,
  building,
});

export const storeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('embedded').describe('SQLite in the data directory (one gateway, small sites, the demo).'),
    path: z.string().optional().describe('Directory of `gateway.db`; `:memory:` keeps readings in memory only. Default: the data directory.'),
    retentionDays: z.number().int().min(1).default(30).describe('Readings older than this are deleted.'),
  }),
  z.strictObject({
    kind: z.literal('influx').describe('InfluxDB 1.x, 2.x or 3.x over HTTP.'),
    url: z.url().describe('InfluxDB base URL, e.g. http://influxdb:8086.'),
    apiVersion: z.union([z.literal(1), z.literal(2)]).default(1).describe('1: /write with database (also 2.x/3.x v1 compatibility); 2: /api/v2/write with org, bucket and token.'),
    database: z.string().optional().describe('Database (apiVersion 1).'),
    retentionPolicy: z.string().optional().describe('Retention policy (apiVersion 1); default: the database\'s.'),
    username: z.string().optional().describe('User (apiVersion 1).'),
    password: z.string().optional().describe('Password (apiVersion 1); use `${NAME}` to read it from the environment.'),
    org: z.string().optional().describe('Organization (apiVersion 2).'),
    bucket: z.string().optional().describe('Bucket (apiVersion 2).'),
    token: z.string().optional().describe('API token (apiVersion 2); use `${NAME}` to read it from the environment.'),
    batchSize: z.number().int().min(1).default(5_000).describe('Readings per write request.'),
    flushMs: z.number().int().min(10).default(1_000).describe('Longest wait before a partial batch is written.'),
    spoolPath: z.string().optional().describe('Directory of the spool that holds batches while InfluxDB is unreachable. Default: `<dataDir>/influx-spool`.'),
    wal: z.boolean().default(false).describe('Acknowledge QoS 1 once readings are in a local write-ahead log (group-commit fsync) and write InfluxDB in the background. '
      + 'Off by default: without it a QoS 1 publish is acknowledged once its batch is written to InfluxDB or fsynced to the spool (equally durable); '
      + 'measured, the log cost ~40% more CPU per message without a clear throughput gain.'),
    gzip: z.union([z.boolean(), z.literal('auto')]).default('auto')
      .describe('Gzip request bodies. `auto`: compress unless InfluxDB is on this machine (loopback), where compressing costs both processes CPU and saves nothing.'),
    walPath: z.string().optional().describe('Directory of the write-ahead log (wal: true). Default: `<spoolPath>-wal`, or `<dataDir>/influx-wal`.'),
    spool: z.strictObject({
      maxBytes: z.number().int().min(1024 * 1024).default(512 * 1024 * 1024).describe('Bound of the spool on disk.'),
      maxAgeHours: z.number().positive().default(7 * 24).describe('Spooled batches older than this are dropped and counted.'),
      whenFull: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest').describe('What a full spool drops.'),
    }).prefault({}).describe('The durable spool used while InfluxDB is unreachable or slow (gateway/src/store/README.md).'),
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
  url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'an MQTT URL such as mqtt://hub.school.local:1883').describe('The hub\'s MQTT broker: mqtt://, mqtts://, ws:// or wss://.'),
  username: z.string().optional().describe('MQTT username at the hub broker.'),
  password: z.string().optional().describe('MQTT password at the hub broker; use `${NAME}` to read it from the environment.'),
  caFile: z.string().optional().describe('PEM CA that signs the hub broker\'s certificate (mqtts, wss).'),
  topicPrefix: z.string().default('hub').describe('Messages go to `<topicPrefix>/<site>/summary/<kind>` and `<topicPrefix>/<site>/alarm/<template>`.'),
  hubUrl: z.string().regex(/^https?:\/\/[^\s"'<>]+$/, 'an http(s) URL such as https://hub.district.example/').optional().describe('The district hub\'s web page, linked from the gateway\'s District tab (no link when unset).'),
  windowSeconds: z.number().int().min(1).refine((n) => 3600 % n === 0, 'a number of seconds that divides an hour').default(60).describe('Length of a summary window; divides an hour.'),
  graceSeconds: z.number().int().min(0).max(3600).default(30).describe('A window is closed (and sent, once) this long after its end; later readings for it are counted as late.'),
  outboxPath: z.string().optional().describe('The durable outbox (SQLite) holding summaries and alarms until the hub acknowledges them. Default: `<dataDir>/uplink-outbox.db`.'),
  summariesStatePath: z.string().optional()
    .describe('Hour/day roll-ups and counter anchors of the summaries, kept across restarts; raised alarms are kept beside it (`.alarms.json`). Default: `<dataDir>/summaries-state.bin`.'),
  outboxMaxMessages: z.number().int().min(100).default(200_000).describe('Bound of the outbox; when full the oldest lowest-priority message is dropped and counted.'),
  hubAck: z.boolean().default(true).describe('Keep each message until the hub role acknowledges storing it (`<topicPrefix>/<site>/ack`); off for a hub that does not.'),
  ackTimeoutSeconds: z.number().int().min(1).default(30).describe('Resend what the hub has not acknowledged after this long.'),
  offlineAlarmSeconds: z.number().int().min(10).default(600).describe('A device offline longer than this raises an `offline` alarm.'),
  utcOffsetMinutes: z.number().int().min(-720).max(840).refine((n) => n % 15 === 0, 'a multiple of 15 minutes').optional()
    .describe('Deprecated (removed in the next release): use `site.timezone`. A fixed offset from UTC in minutes (China: 480), used only when `site.timezone` is not set.'),
  schoolHours: z.strictObject({
    start: z.string().regex(/^\d{1,2}:\d{2}$/, 'a time of day HH:MM').default('07:00').describe('Start of the school day, HH:MM local.'),
    end: z.string().regex(/^\d{1,2}:\d{2}$/, 'a time of day HH:MM').default('18:00').describe('End of the school day, HH:MM local.'),
    days: z.array(z.number().int().min(0).max(6)).default([1, 2, 3, 4, 5]).describe('School days, 0 = Sunday.'),
  }).prefault({}).describe('Lights on outside these hours (and on non-school days) count as left on.'),
  lessonPeriods: z.array(z.string().regex(/^\d{1,2}:\d{2}-\d{1,2}:\d{2}$/, 'a period HH:MM-HH:MM')).default([])
    .describe('Lesson periods (`HH:MM-HH:MM`, local) for class sessions until teachers\' sessions are known.'),
}).describe('Summaries and alarms to the school/district hub (edge/WHAT-LEAVES-THE-SCHOOL.md); absent: nothing leaves the gateway.');

export const privacySchema = z.strictObject({
  pseudonymKeyFile: z.string().optional().describe('The secret key of the pseudonyms (made on first start, 0600). Default: `<dataDir>/pseudonym.key`.'),
  minGroupSize: z.number().int().min(2).default(5).describe('Summaries about fewer people than this leave out the values.'),
}).describe('De-identification of what leaves the gateway.');

export const httpSchema = z.strictObject({
  port: port.default(8080).describe('API and dashboard port (0: any free port). Environment: GATEWAY_HTTP_PORT.'),
  host: z.string().default('0.0.0.0').describe('Address the API binds to.'),
  tokens: z.array(z.strictObject({
    role: z.enum(['facilities', 'teacher', 'district', 'admin']).describe('What the token may see and do (docs/interfaces.md "HTTP").'),
    tokenHash: tokenHash.describe('Hash of the bearer token: scrypt from `campus-gateway devices hash-secret`, or sha256$<64 hex> for a long random token.'),
    name: z.string().optional().describe('Who holds it (shown in the audit log).'),
  })).optional().describe('API tokens; absent or empty: the API is open (refused unless `insecure: true`).'),
}).describe('The HTTP API and dashboard.');

export const configSchema = z.strictObject({
  site: z.strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase site id (letters, digits, -)').default('demo-school').describe('Site id: a tag on every reading and part of uplink topics.'),
    name: z.string().default('Demo School').describe('Shown on the dashboard.'),
    timezone: z.string().refine(isTimeZone, 'an IANA time zone name such as Asia/Shanghai').optional()
      .describe('The site\'s IANA time zone (Asia/Shanghai): local days and hours of the summaries, school hours, lesson periods, the dashboard\'s times and the times in exports. Default: the host\'s zone (or `uplink.utcOffsetMinutes` while that is set).'),
    students: z.number().int().min(1).optional().describe('Number of students: sent uplink with the device-health summaries (`students`) so the district page ranks schools by energy per student.'),
    floorArea_m2: z.number().positive().optional().describe('Heated/lit floor area in m²: sent uplink as `floor_area_m2` so the district page ranks schools by energy per m².'),
  }).prefault({}).describe('The school site.'),
  dataDir: z.string().optional()
    .describe('Where the gateway keeps every file it writes that the config does not name (see "The data directory"). Environment: GATEWAY_DATA_DIR. Default: `store.path` (embedded), else the directory of `privacy.pseudonymKeyFile`, else `./data`.'),
  broker: brokerSchema.prefault({}).describe('The embedded MQTT broker devices connect to.'),
  devices: z.array(deviceSchema).default([]).describe('Provisioned MQTT devices; more can be added through the admin API (kept in `<dataDir>/devices.json`).'),
  adapters: z.strictObject({
    modbus: z.array(modbusAdapterSchema).default([]).describe('Modbus devices the gateway polls.'),
    serial: z.array(serialAdapterSchema).default([]).describe('Serial-line devices the gateway reads.'),
  }).prefault({}).describe('Devices the gateway polls or reads itself.'),
  store: storeSchema.prefault({ kind: 'embedded' }).describe('Where readings are stored.'),
  uplink: uplinkSchema.optional(),
  privacy: privacySchema.prefault({}),
  http: httpSchema.prefault({}),
  templatesDir: z.string().optional().describe('Where the device templates live; default: the bundled device-templates package.'),
  log: z.strictObject({ level: logLevel }).prefault({}).describe('Logging.'),
  insecure: z.boolean().default(false).describe('Run without broker auth or without API tokens on purpose (a lab, a demo). '
    + 'Without it such a config is refused at start; with it every dashboard page and /api/health say so.'),
});

export type GatewayConfig = z.infer<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type ModbusAdapterConfig = z.infer<typeof modbusAdapterSchema>;
export type SerialAdapterConfig = z.infer<typeof serialAdapterSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
