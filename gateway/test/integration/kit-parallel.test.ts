// Proves the kit hands out distinct ports when many servers start at once (and, when vitest
// runs this file beside the other kit-*.test.ts files, across worker processes too).
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startInflux, startMosquitto, type InfluxServer, type MosquittoServer } from '../kit/index.js';

describe('kit: servers started concurrently', () => {
  const influxes: InfluxServer[] = [];
  const brokers: MosquittoServer[] = [];

  afterAll(async () => {
    await Promise.all([...influxes, ...brokers].map((s) => s.stop()));
  });

  it('get distinct ports and each answers on its own', async () => {
    const [ports, started, startedBrokers] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => freePort())),
      Promise.all([startInflux(), startInflux(), startInflux()]),
      Promise.all([startMosquitto(), startMosquitto(), startMosquitto()]),
    ]);
    influxes.push(...started);
    brokers.push(...startedBrokers);
    const all = [...ports, ...influxes.map((s) => s.port), ...brokers.map((s) => s.port)];
    expect(new Set(all).size).toBe(all.length);

    // Each influxd has its own data: a database created in one is absent from the others.
    await Promise.all(influxes.map((s, i) => s.createDatabase(`kit_parallel_${i}`)));
    for (const [i, s] of influxes.entries()) {
      const res = await s.query('SHOW DATABASES');
      const names = res.results[0]?.series?.[0]?.values.map((row) => row[0]);
      expect(names?.filter((n) => String(n).startsWith('kit_parallel_'))).toEqual([`kit_parallel_${i}`]);
    }
  });
});
