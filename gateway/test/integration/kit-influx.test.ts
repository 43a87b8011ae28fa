// Proves the kit's InfluxDB: a real influxd 1.x, written and read through the v1 HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInflux, type InfluxServer } from '../kit/index.js';

const DB = 'kit_probe';
const T0_MS = Date.UTC(2026, 0, 5, 8, 0, 0);
const LINES = [
  `kit_climate,site=s1,device=d1 temperature_c=21.5,co2_ppm=640i ${T0_MS}`,
  `kit_climate,site=s1,device=d1 temperature_c=21.75,co2_ppm=655i ${T0_MS + 1_500}`,
  `kit_climate,site=s1,device=d2 temperature_c=19,co2_ppm=420i ${T0_MS + 60_000}`,
].join('\n');
const EXPECTED = [
  ['2026-01-05T08:00:00Z', 'd1', 21.5, 640],
  ['2026-01-05T08:00:01.5Z', 'd1', 21.75, 655],
  ['2026-01-05T08:01:00Z', 'd2', 19, 420],
];
const SELECT = 'SELECT device, temperature_c, co2_ppm FROM kit_climate ORDER BY time';

async function pingStatus(url: string): Promise<number | string> {
  try {
    return (await fetch(`${url}/ping`)).status;
  } catch (err) {
    return (err as Error).name;
  }
}

describe('kit: startInflux', () => {
  let influx: InfluxServer;

  beforeAll(async () => {
    influx = await startInflux();
  });

  afterAll(async () => {
    await influx?.stop();
  });

  it('answers /ping on its own loopback port', async () => {
    expect(influx.url).toBe(`http://127.0.0.1:${influx.port}`);
    expect(await pingStatus(influx.url)).toBe(204);
  });

  it('writes lines through /write with ms precision and reads them back through /query', async () => {
    await influx.createDatabase(DB);
    await influx.write(LINES, DB, 'ms');
    const res = await influx.query(SELECT, DB);
    expect(res.results[0]?.series?.[0]?.columns).toEqual(['time', 'device', 'temperature_c', 'co2_ppm']);
    expect(res.results[0]?.series?.[0]?.values).toEqual(EXPECTED);
  });

  it('keeps the data across stop() and start() on the same port', async () => {
    const port = influx.port;
    await influx.stop();
    expect(await pingStatus(influx.url)).toBe('TypeError'); // connection refused
    await influx.start();
    expect(influx.port).toBe(port);
    const res = await influx.query(SELECT, DB);
    expect(res.results[0]?.series?.[0]?.values).toEqual(EXPECTED);
  });

  it('recovers acknowledged writes from the WAL after kill9()', async () => {
    await influx.write(`kit_climate,site=s1,device=d3 temperature_c=23,co2_ppm=800i ${T0_MS + 120_000}`, DB, 'ms');
    await influx.kill9();
    await influx.start();
    const res = await influx.query(`SELECT temperature_c FROM kit_climate WHERE device = 'd3'`, DB);
    expect(res.results[0]?.series?.[0]?.values).toEqual([['2026-01-05T08:02:00Z', 23]]);
  });

  it('throws the server message for a failing statement or a rejected write', async () => {
    await expect(influx.query('SELECT * FROM kit_climate', 'no_such_db')).rejects.toThrow(/database not found/);
    await expect(influx.write('not line protocol', DB)).rejects.toThrow(/HTTP 400/);
  });
});
