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
  // start-up: config, ports, files
  GW_ERR_CONFIG: { message: 'invalid configuration' },
  GW_ERR_PORT_IN_USE: { message: 'the address is already in use by another process' },
  GW_ERR_PORT_DENIED: { message: 'not allowed to listen on the port' },
  GW_ERR_ADDRESS_UNAVAILABLE: { message: 'the address is not an address of this machine' },
  GW_ERR_FILE_UNREADABLE: { message: 'a file cannot be read' },
  GW_ERR_FILE_UNWRITABLE: { message: 'a file cannot be written' },
  GW_ERR_INFLUX_AUTH: { message: 'InfluxDB refused the credentials' },
  GW_ERR_INFLUX_DATABASE_MISSING: { message: 'the InfluxDB database does not exist' },
  GW_ERR_INFLUX_RETENTION_POLICY_MISSING: { message: 'the InfluxDB retention policy does not exist' },
  GW_ERR_INFLUX_BUCKET_MISSING: { message: 'the InfluxDB bucket or org does not exist' },
  GW_ERR_INFLUX_URL_CREDENTIALS: { message: 'an InfluxDB URL carries a user or password' },
  GW_ERR_INFLUX_REFUSED: { message: 'InfluxDB refused an empty write' },
  GW_ERR_HUB_CONNECT: { message: 'no connection to the hub broker' },
  GW_ERR_LOG_FORMAT: { message: 'the log format must be json or pretty' },
  // broker
  GW_ERR_BROKER_CONFIG: { message: 'the broker configuration cannot be served' },
  GW_ERR_BROKER_CLOSED: { message: 'broker is not started' },
  GW_ERR_ACL: { message: 'publish refused by the topic rules' },
  GW_ERR_RATE_LIMIT: { message: 'publish rate limit exceeded' },
  GW_ERR_PACKET_TOO_LARGE: { message: 'MQTT packet exceeds the maximum size' },
  GW_ERR_MQTT_LOGIN_REFUSED: { message: 'MQTT login refused' },
  GW_ERR_NOT_STORED: { message: 'the reading could not be stored; not acknowledged' },
  GW_ERR_AEDES_INTERNALS: { message: 'aedes changed an internal the broker relies on (aedes version changed?)' },
} as const satisfies Record<`GW_ERR_${string}`, ErrorCodeEntry>;

export type KnownErrorCode = keyof typeof ERROR_CODES;
