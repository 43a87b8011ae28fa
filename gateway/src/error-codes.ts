/**
 * Every `GW_ERR_` code the gateway and the hub raise, in one table: the default message (what a
 * code means, never a personal value) and the HTTP status when the API answers with it. Errors
 * are made through `GatewayError` / `gwError` (errors.ts), which take their code from here, so
 * a code that is not in this table does not compile.
 */
export interface ErrorCodeEntry {
  readonly message: string;
  readonly status?: number;
}

export const ERROR_CODES = {
  // start-up: config, files, ports
  GW_ERR_CONFIG: { message: 'invalid configuration' },
  GW_ERR_INSECURE_CONFIG: { message: 'refusing to start an open gateway' },
  GW_ERR_PORT_IN_USE: { message: 'the address is already in use by another process' },
  GW_ERR_PORT_DENIED: { message: 'not allowed to listen on the port' },
  GW_ERR_ADDRESS_UNAVAILABLE: { message: 'the address is not an address of this machine' },
  GW_ERR_FILE_UNREADABLE: { message: 'a file cannot be read' },
  GW_ERR_FILE_UNWRITABLE: { message: 'a file cannot be written' },
  GW_ERR_LOG_FORMAT: { message: 'the log format must be json or pretty' },
  GW_ERR_GENERATE: { message: 'a generated file cannot be updated' },
  GW_ERR_TLS_CONFIG: { message: 'the TLS settings are incomplete' },
  GW_ERR_AUTH_CONFIG: { message: 'the broker credentials are inconsistent' },
  GW_ERR_TOKEN_NAME: { message: 'an API token name is invalid or used twice' },
  GW_ERR_TOKEN_HASH: { message: 'an API token hash is malformed' },
  GW_ERR_BAD_SECRET_HASH: { message: 'a secret hash is not an scrypt$N$r$p$salt$hash string', status: 400 },
  GW_ERR_EMPTY_SECRET: { message: 'a secret must not be empty' },
  GW_ERR_DEVICES_FILE: { message: 'the devices file cannot be read or written', status: 500 },
  GW_ERR_PSEUDONYM_KEY: { message: 'the pseudonym key is unusable' },
  GW_ERR_SUMMARIES_STATE: { message: 'a summaries state file is damaged' },
  GW_ERR_ADAPTER_CONFIG: { message: 'an adapter is configured wrongly' },
  GW_ERR_MODBUS_PLAN: { message: 'the Modbus registers cannot be read as planned' },
  GW_ERR_TEMPLATES_INVALID: { message: 'some templates are invalid' },
  GW_ERR_EXIT_FORCED: { message: 'still open after stopping; exiting' },
  // InfluxDB and the hub
  GW_ERR_INFLUX_AUTH: { message: 'InfluxDB refused the credentials' },
  GW_ERR_INFLUX_DATABASE_MISSING: { message: 'the InfluxDB database does not exist' },
  GW_ERR_INFLUX_RETENTION_POLICY_MISSING: { message: 'the InfluxDB retention policy does not exist' },
  GW_ERR_INFLUX_BUCKET_MISSING: { message: 'the InfluxDB bucket or org does not exist' },
  GW_ERR_INFLUX_URL_CREDENTIALS: { message: 'an InfluxDB URL carries a user or password' },
  GW_ERR_INFLUX_REFUSED: { message: 'InfluxDB refused an empty write' },
  GW_ERR_INFLUX_QUERY: { message: 'an InfluxDB query failed' },
  GW_ERR_LATENCY_WINDOW: { message: 'a latency window needs a whole number of samples, at least 1' },
  GW_ERR_INFLUX_WRITE: { message: 'an InfluxDB write failed' },
  GW_ERR_HUB_CONNECT: { message: 'no connection to the hub broker' },
  GW_ERR_HUB_INFLUX_UNAVAILABLE: { message: 'the district InfluxDB did not answer', status: 503 },
  GW_ERR_HUB_UNKNOWN_SITE: { message: 'no such school at this hub', status: 404 },
  GW_ERR_SIMULATOR_MISSING: { message: '--simulate needs the simulators (@campus-gateway/firmware-sim), which are not installed here' },
  // components at run time (a bug or a stop in progress when they surface)
  GW_ERR_NOT_STARTED: { message: 'gateway is not started' },
  GW_ERR_STORE_CLOSED: { message: 'the store is not started' },
  GW_ERR_STORE_STOPPED: { message: 'write after the store stopped' },
  GW_ERR_STORE_SPOOL_FULL: { message: 'InfluxDB unreachable and the spool is full' },
  GW_ERR_STORE_SPOOL_WRITE: { message: 'the spool could not be written' },
  GW_ERR_SPOOL_NOT_STARTED: { message: 'the spool is not started' },
  GW_ERR_WAL_NOT_STARTED: { message: 'the write-ahead log is not started' },
  GW_ERR_SHORT_WRITE: { message: 'a log segment was written short (disk full?)' },
  GW_ERR_LOG_CLOSED: { message: 'the segment log is closed' },
  GW_ERR_UPLINK_STOPPED: { message: 'the uplink is not started' },
  GW_ERR_UPLINK_GUARD: { message: 'the uplink guard left out part of a message' },
  GW_ERR_SUMMARY_STORE_CLOSED: { message: 'the summary store is closed' },
  GW_ERR_UNKNOWN_TEMPLATE: { message: 'no such template' },
  // broker
  GW_ERR_BROKER_CONFIG: { message: 'the broker configuration cannot be served' },
  GW_ERR_BROKER_CLOSED: { message: 'broker is not started' },
  GW_ERR_ACL: { message: 'publish refused by the topic rules' },
  GW_ERR_RATE_LIMIT: { message: 'publish rate limit exceeded' },
  GW_ERR_PACKET_TOO_LARGE: { message: 'MQTT packet exceeds the maximum size' },
  GW_ERR_MQTT_LOGIN_REFUSED: { message: 'MQTT login refused' },
  GW_ERR_NOT_STORED: { message: 'the reading could not be stored; not acknowledged' },
  GW_ERR_AEDES_INTERNALS: { message: 'aedes changed an internal the broker relies on (aedes version changed?)' },
  GW_ERR_MODBUS_LINE: { message: 'a Modbus line did not answer as expected' },
  // the CLI talking to a gateway
  GW_ERR_GATEWAY_UNREACHABLE: { message: 'cannot reach the gateway' },
  GW_ERR_BAD_URL: { message: 'the gateway URL is not an http(s) address' },
  // HTTP API answers
  GW_ERR_VALIDATION: { message: 'invalid request', status: 400 },
  GW_ERR_REQUEST: { message: 'bad request', status: 400 },
  GW_ERR_INTERNAL: { message: 'internal error', status: 500 },
  GW_ERR_UNAUTHORIZED: { message: 'a valid bearer token is required', status: 401 },
  GW_ERR_FORBIDDEN: { message: 'this token\'s role may not use this resource', status: 403 },
  GW_ERR_NOT_FOUND: { message: 'no such resource', status: 404 },
  GW_ERR_AUTH_RATE_LIMITED: { message: 'too many failed tokens from this address', status: 429 },
  GW_ERR_AUTH_BUSY: { message: 'too many token checks under way: try again shortly', status: 503 },
  GW_ERR_DEVICE_NOT_FOUND: { message: 'no such device', status: 404 },
  GW_ERR_NO_READINGS: { message: 'the device has no readings yet', status: 404 },
  GW_ERR_QUERY_UNSUPPORTED: { message: 'the configured store cannot answer time-series queries', status: 501 },
  GW_ERR_SESSION_NOT_FOUND: { message: 'no such class session', status: 404 },
  GW_ERR_SESSION_TIME: { message: 'the session times are invalid', status: 400 },
  GW_ERR_ROSTER: { message: 'the roster is invalid', status: 400 },
  GW_ERR_ROSTER_NOT_FOUND: { message: 'no saved roster for this class', status: 404 },
  GW_ERR_ROSTER_FILE_TYPE: { message: 'the roster file is not a CSV or XLSX file', status: 400 },
  GW_ERR_ROSTER_FILE_TOO_LARGE: { message: 'the roster file is too large', status: 413 },
  GW_ERR_ROSTER_FILE_EMPTY: { message: 'the roster file has no rows', status: 400 },
  GW_ERR_ROSTER_FILE_UNREADABLE: { message: 'the roster file cannot be read', status: 400 },
  GW_ERR_EXPORT_TOO_LARGE: { message: 'the session has more readings than one file holds: take the zip (one CSV per student)', status: 413 },
  GW_ERR_TEMPLATE_NOT_FOUND: { message: 'no such template', status: 404 },
  GW_ERR_PERSONAL_DATA: { message: 'this series carries personal data', status: 403 },
  GW_ERR_IMPORT_INVALID: { message: 'the import has invalid lines; nothing was changed', status: 400 },
  GW_ERR_TOO_MANY_STREAMS: { message: 'too many streams are open: try again later', status: 503 },
  GW_ERR_NOT_COMMANDABLE: { message: 'the gateway does not drive this device', status: 404 },
  GW_ERR_NO_STATS: { message: 'the device is not polled by an adapter', status: 404 },
} as const satisfies Record<`GW_ERR_${string}`, ErrorCodeEntry>;

export type KnownErrorCode = keyof typeof ERROR_CODES;
