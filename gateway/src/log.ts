/**
 * The one pino root logger, made in main; components take `log.child({ component })`.
 *
 * Two formats: `json` (one JSON object a line, for journald, Docker and log shippers) and
 * `pretty` (pino-pretty: `12:04:05.120 INFO: [broker] MQTT broker listening {"ports":…}`), for
 * a person at a terminal. Pretty lines are formatted in this process and written synchronously
 * (pino-pretty's `prettyFactory`, not its worker transport): a line logged just before a fatal
 * exit is not lost, and nothing extra runs in the background. Redaction happens in pino before
 * either format sees the object.
 */
import { pino, type Logger } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';
import { StartError } from './errors.js';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

const FORMATS: readonly string[] = ['json', 'pretty'];

const REDACT = [
  'password', '*.password', 'token', '*.token', 'secret', '*.secret', 'secretHash', '*.secretHash',
  'tokenHash', '*.tokenHash', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
];

/**
 * `--log-format` wins, then `GATEWAY_LOG_FORMAT`, then the terminal: pretty when stdout is a
 * TTY, JSON otherwise. A value other than json/pretty is an error naming where it came from.
 */
export function resolveLogFormat(flag: string | undefined, env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): LogFormat {
  for (const [value, where] of [[flag, '--log-format'], [env.GATEWAY_LOG_FORMAT, 'GATEWAY_LOG_FORMAT']] as const) {
    if (value === undefined || value === '') continue;
    if (!FORMATS.includes(value)) throw new StartError('GW_ERR_LOG_FORMAT', `${where} must be json or pretty (got ${JSON.stringify(value.slice(0, 40))})`);
    return value as LogFormat;
  }
  return stdoutIsTTY ? 'pretty' : 'json';
}

interface Sink {
  write(text: string): unknown;
}

/** pino-pretty's formatter over a synchronous sink: one readable line per entry (an error's stack below it). */
export function prettyDestination(out: Sink, colorize: boolean): pino.DestinationStream {
  const format = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,component',
    messageFormat: '{if component}[{component}] {end}{msg}',
    singleLine: true,
  });
  return { write: (line: string) => void out.write(format(line)) };
}

/**
 * `destination` receives the formatted lines (stdout by default). JSON to stdout goes through
 * pino's asynchronous writer (it is on the readings' hot path); pretty is for people at a
 * terminal and writes each line at once.
 */
export function createRootLogger(level: string, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'campus-gateway' }, redact: { paths: REDACT, censor: '[redacted]' } };
  if (format === 'pretty') {
    const out = destination ?? process.stdout;
    return pino(options, prettyDestination(out, destination === undefined && process.stdout.isTTY && isColorSupported));
  }
  return pino(options, destination ?? pino.destination({ fd: 1, sync: false }));
}

/** A logger that discards everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
