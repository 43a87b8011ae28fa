/**
 * Serial line simulators on one end of a pty pair (the gateway opens the other), or on a TCP
 * port as a serial device server would serve them (`listen`, when no pty tool is installed).
 * The projector answers PJLink queries; the clicker base, fitness-test station
 * and noise meter send lines every `intervalMs`. Mode `noise` mixes garbage
 * lines and (noise meter) bad checksums into the stream; `silent` sends and
 * answers nothing. The port reopens itself after an unplug/replug.
 */
import { seededRandom } from '../modbus/devices.js';
import { clickerAnswer, clickerHeartbeat, fitnessResult, noiseSentence, pjlinkAnswer, type ProjectorState, type SerialSimTemplate } from './lines.js';
import { createReopeningPort } from './port.js';
import { createTcpLink, type TcpLinkOptions } from './tcp-link.js';

export type SerialSimMode = 'normal' | 'noise' | 'silent';

export interface SerialSimOptions {
  template: SerialSimTemplate;
  /** The pty end to open; or `listen` instead: serve the line on a TCP port (tcp-link.ts). */
  path?: string;
  listen?: TcpLinkOptions;
  baudRate?: number;
  /** Period of unsolicited lines (clicker, fitness, noise meter); 0 = only on `emit()`. */
  intervalMs?: number;
  seed?: number;
  mode?: SerialSimMode;
}

export interface SerialSim {
  start(): Promise<void>;
  stop(): Promise<void>;
  mode: SerialSimMode;
  /** Sends the template's next unsolicited line now (not for the projector). */
  emit(): void;
  /** Writes raw bytes as they are (for garbage, partial or oversized lines). */
  writeRaw(data: string | Buffer): void;
  /** The projector's state, which queries report. */
  readonly projector: ProjectorState;
  /** Lines sent (answers included). */
  readonly sent: number;
  readonly queries: number;
  /** Where the gateway reads this device: the pty's other end is the caller's; with `listen`, `tcp://host:port`. */
  readonly url: string | undefined;
}

const GARBAGE = ['\u0000\u00ff\u0013garbage', 'ANS,,', '$NOISE,abc,,A*00', 'FT,S1,HEIGHT', '%1POWR=9', '@@@@'];

export function createSerialSim(options: SerialSimOptions): SerialSim {
  const rnd = seededRandom(options.seed ?? 7);
  const eol = options.template === 'projector' ? '\r' : '\r\n';
  const projector: ProjectorState = { power: 1, lampHours: 1520, lampOn: true, errors: [0, 0, 0, 0, 0, 0] };
  let sent = 0;
  let queries = 0;
  let question = 1;
  let timer: NodeJS.Timeout | undefined;
  let inbox = '';

  const send = (line: string): void => {
    sent++;
    port.write(line + eol);
  };
  const maybeGarbage = (): void => {
    if (sim.mode === 'noise' && rnd() < 0.5) send(GARBAGE[Math.floor(rnd() * GARBAGE.length)]!);
  };

  const onData = (chunk: Buffer): void => {
    if (options.template !== 'projector') return;
    inbox += chunk.toString('latin1');
    if (inbox.length > 4096) inbox = '';
    let i: number;
    while ((i = inbox.search(/[\r\n]/)) >= 0) {
      const q = inbox.slice(0, i);
      inbox = inbox.slice(i + 1);
      if (!q.trim()) continue;
      queries++;
      if (sim.mode === 'silent') continue;
      maybeGarbage();
      projector.lampHours += 0.01;
      send(pjlinkAnswer(q, projector));
    }
  };
  const link = options.path === undefined ? createTcpLink(options.listen ?? {}, onData) : undefined;
  const port = link ?? createReopeningPort({ path: options.path!, baudRate: options.baudRate }, onData);

  const next = (): string => {
    switch (options.template) {
      case 'response-clicker':
        if (rnd() < 0.2) return clickerHeartbeat('BASE-01', 30 + Math.floor(rnd() * 10));
        if (rnd() < 0.1) question++;
        return clickerAnswer(rnd, question);
      case 'fitness-test-station':
        return fitnessResult(rnd);
      case 'noise-meter': {
        const laeq = 45 + rnd() * 20;
        return noiseSentence(laeq, laeq + 3 + rnd() * 10, 'A', sim.mode === 'noise' && rnd() < 0.3);
      }
      default:
        throw new Error('the projector only answers queries');
    }
  };

  const sim: SerialSim = {
    mode: options.mode ?? 'normal',
    async start() {
      await port.start();
      if (options.template !== 'projector' && (options.intervalMs ?? 0) > 0) {
        timer = setInterval(() => sim.emit(), options.intervalMs);
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await port.stop();
    },
    emit() {
      if (sim.mode === 'silent') return;
      maybeGarbage();
      send(next());
    },
    writeRaw(data) { port.write(data); },
    projector,
    get sent() { return sent; },
    get queries() { return queries; },
    get url() { return link?.url; },
  };
  return sim;
}
