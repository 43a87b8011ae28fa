// Proves the kit's pty pair: serialport talks across a socat pair, which can be unplugged and replugged.
import { existsSync } from 'node:fs';
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPtyPair, type PtyPair } from '../kit/index.js';

async function open(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

function nextLine(port: SerialPort): Promise<string> {
  const parser = port.pipe(new ReadlineParser({ delimiter: '\n' }));
  return new Promise((resolve) => parser.once('data', (line: string) => resolve(line)));
}

async function closeQuietly(port: SerialPort): Promise<void> {
  if (!port.isOpen) return;
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

describe('kit: createPtyPair', () => {
  let pair: PtyPair;
  const ports: SerialPort[] = [];
  const openTracked = async (path: string): Promise<SerialPort> => {
    const port = await open(path);
    ports.push(port);
    return port;
  };

  beforeAll(async () => {
    pair = await createPtyPair();
  });

  afterEach(async () => {
    await Promise.all(ports.splice(0).map(closeQuietly));
  });

  afterAll(async () => {
    await pair?.stop();
  });

  it('carries a line written on end a to end b, and back', async () => {
    const a = await openTracked(pair.a);
    const b = await openTracked(pair.b);
    const atB = nextLine(b);
    a.write('T=21.5;H=40\r\n');
    expect(await atB).toBe('T=21.5;H=40\r');
    const atA = nextLine(a);
    b.write('ACK\n');
    expect(await atA).toBe('ACK');
  });

  it('vanishes on stop() and works again with reopened ports after start()', async () => {
    // Not read from: a reading serialport spins on zero-byte reads once a tty hangs up (real
    // USB adapters do the same, serialport/bindings-cpp#162); a write is what reports the unplug.
    const a = await openTracked(pair.a);
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
    const writeError = new Promise<Error | null | undefined>((resolve) => {
      a.once('error', () => undefined); // the stream re-emits the write error; the callback checks it
      void pair.stop().then(() => a.write('into the void\n', resolve));
    });
    expect((await writeError)?.message).toMatch(/EIO/);
    await closed;
    expect(a.isOpen).toBe(false);
    expect(existsSync(pair.a)).toBe(false);
    expect(existsSync(pair.b)).toBe(false);
    await expect(open(pair.a)).rejects.toThrow(/ENOENT|No such file/);

    await pair.start();
    const a2 = await openTracked(pair.a);
    const b2 = await openTracked(pair.b);
    const atB = nextLine(b2);
    a2.write('after replug\n');
    expect(await atB).toBe('after replug');
  });
});
