/**
 * A serial port that reopens itself: when the pty (or USB adapter) disappears,
 * the port closes; we retry opening the same path until it is back. Used by the
 * RTU server and the line simulators so an unplug/replug test exercises the
 * gateway, not the simulator.
 */
import { SerialPort } from 'serialport';

export interface ReopeningPortOptions {
  path: string;
  baudRate?: number;
  retryMs?: number;
}

export interface ReopeningPort {
  start(): Promise<void>;
  stop(): Promise<void>;
  write(data: Buffer | string): void;
  readonly isOpen: boolean;
  /** How many times the port was opened (1 after start; +1 per replug). */
  readonly opens: number;
}

export function createReopeningPort(options: ReopeningPortOptions, onData: (chunk: Buffer) => void, onOpen?: () => void): ReopeningPort {
  const retryMs = options.retryMs ?? 100;
  let port: SerialPort | undefined;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let opens = 0;

  const open = (): Promise<void> => new Promise((resolve) => {
    if (stopped) return resolve();
    const p = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 9600, autoOpen: false });
    p.on('data', onData);
    p.on('error', () => undefined);
    p.on('close', () => {
      if (port === p) port = undefined;
      schedule();
    });
    p.open((err) => {
      if (err || stopped) {
        if (!err) p.close(() => undefined);
        schedule();
        return resolve();
      }
      port = p;
      opens++;
      onOpen?.();
      resolve();
    });
  });

  const schedule = (): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => { timer = undefined; void open(); }, retryMs);
  };

  return {
    async start() {
      stopped = false;
      await open();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const p = port;
      port = undefined;
      if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
    },
    write(data) {
      if (port?.isOpen) port.write(data);
    },
    get isOpen() { return port?.isOpen ?? false; },
    get opens() { return opens; },
  };
}
