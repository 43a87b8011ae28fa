// Proves the kit's mosquitto: a real broker, used by MQTT.js clients and by the mosquitto_pub CLI.
import { execFile } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoServer } from '../kit/index.js';

const execFileP = promisify(execFile);

interface Received {
  topic: string;
  payload: string;
  qos: number;
}

function nextMessage(client: MqttClient, topic: string): Promise<Received> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer, packet: { qos: number }): void => {
      if (t !== topic) return;
      client.off('message', onMessage);
      resolve({ topic: t, payload: payload.toString('utf8'), qos: packet.qos });
    };
    client.on('message', onMessage);
  });
}

function refusesTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('kit: startMosquitto', () => {
  let broker: MosquittoServer;
  const clients: MqttClient[] = [];
  const client = async (id: string): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(broker.url, { clientId: id, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    broker = await startMosquitto();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync()));
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('delivers a QoS 1 publish from one MQTT.js client to another', async () => {
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const sub = await client('kit-sub');
    await sub.subscribeAsync('kit/probe/#', { qos: 1 });
    const received = nextMessage(sub, 'kit/probe/js');
    const pub = await client('kit-pub');
    await pub.publishAsync('kit/probe/js', '{"temperature_c":21.5}', { qos: 1 });
    expect(await received).toEqual({ topic: 'kit/probe/js', payload: '{"temperature_c":21.5}', qos: 1 });
  });

  it('delivers a message published with the mosquitto_pub CLI', async () => {
    const sub = await client('kit-sub-cli');
    await sub.subscribeAsync('kit/probe/#', { qos: 1 });
    const received = nextMessage(sub, 'kit/probe/cli');
    await execFileP('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', 'kit/probe/cli', '-m', 'from-cli']);
    expect(await received).toEqual({ topic: 'kit/probe/cli', payload: 'from-cli', qos: 1 });
  });

  it('stops (port refused) and starts again on the same port', async () => {
    await broker.stop();
    expect(await refusesTcp(broker.port)).toBe(true);
    await broker.start();
    const sub = await client('kit-sub-again');
    await sub.subscribeAsync('kit/probe/again', { qos: 1 });
    const received = nextMessage(sub, 'kit/probe/again');
    const pub = await client('kit-pub-again');
    await pub.publishAsync('kit/probe/again', 'back', { qos: 1 });
    expect((await received).payload).toBe('back');
  });

  it('keeps retained messages across stop() and start() when configExtra turns persistence on', async () => {
    const persistent = await startMosquitto({ configExtra: 'persistence true' });
    try {
      const pub = await mqtt.connectAsync(persistent.url, { clientId: 'kit-retain-pub', reconnectPeriod: 0 });
      await pub.publishAsync('kit/probe/retained', 'kept', { qos: 1, retain: true });
      await pub.endAsync();
      await persistent.stop();
      await persistent.start();
      const sub = await mqtt.connectAsync(persistent.url, { clientId: 'kit-retain-sub', reconnectPeriod: 0 });
      clients.push(sub);
      const received = nextMessage(sub, 'kit/probe/retained');
      await sub.subscribeAsync('kit/probe/retained', { qos: 1 });
      expect((await received).payload).toBe('kept');
    } finally {
      await persistent.stop();
    }
  });
});
