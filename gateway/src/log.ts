/** The one pino root logger, made in main; components take `log.child({ component })`. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createRootLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'campus-gateway' },
      redact: { paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'secretHash', '*.secretHash'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that discards everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
