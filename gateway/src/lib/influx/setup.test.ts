/**
 * The start-up check's reading of InfluxDB's answers. 1.x is also tested against a real influxd
 * (gateway/test/integration/start-failures.test.ts); the 2.x answers here are those of its write
 * handler (bucket lookup 404, then permission 401/403, then `writing requires points` 400).
 */
import { describe, expect, it } from 'vitest';
import { influxTarget } from './http.js';
import { prepareInflux } from './setup.js';

const v1 = influxTarget({ url: 'http://influx.local:8086', apiVersion: 1, database: 'campus' });
const v2 = influxTarget({ url: 'http://influx.local:8086', apiVersion: 2, org: 'district', bucket: 'campus', token: 'tok-secret-1' });
const opts = { createDatabase: true, timeoutMs: 1_000, keys: 'store' as const };

/** A fetch answering each request in turn, recording what was asked. */
function answers(...list: (Response | Error)[]) {
  const asked: { url: string; method: string; body: string }[] = [];
  const f = (async (url: string | URL | Request, init?: RequestInit) => {
    asked.push({ url: String(url), method: init?.method ?? 'GET', body: init?.body instanceof URLSearchParams ? init.body.toString() : String(init?.body ?? '') });
    const next = list.shift();
    if (next === undefined) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { f, asked };
}

/** The error a check ends with (a check that succeeds fails the test). */
const failure = (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('expected the check to fail'); }, (e: unknown) => e as Error);

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('prepareInflux', () => {
  it('v1: 204 to an empty write is ready', async () => {
    const { f, asked } = answers(new Response(null, { status: 204 }));
    await expect(prepareInflux(v1, opts, f)).resolves.toEqual({ kind: 'ready', created: false });
    expect(asked).toEqual([{ url: v1.writeUrl, method: 'POST', body: '' }]);
  });

  it('v1: a missing database is created through /query', async () => {
    const { f, asked } = answers(json(404, { error: 'database not found: "campus"' }), json(200, { results: [{ statement_id: 0 }] }));
    await expect(prepareInflux(v1, opts, f)).resolves.toEqual({ kind: 'ready', created: true });
    expect(asked[1]).toEqual({ url: 'http://influx.local:8086/query', method: 'POST', body: 'q=CREATE+DATABASE+%22campus%22' });
  });

  it('v1: a database that cannot be created, or may not be, is GW_ERR_INFLUX_DATABASE_MISSING', async () => {
    const refused = answers(json(404, { error: 'database not found: "campus"' }), json(403, { error: 'error authorizing query: w not authorized to execute statement \'CREATE DATABASE campus\', requires admin privilege' }));
    await expect(prepareInflux(v1, opts, refused.f)).rejects.toThrow(/^GW_ERR_INFLUX_DATABASE_MISSING: .*has no database "campus" and could not create it \(HTTP 403: error authorizing query/);
    const statement = answers(json(404, { error: 'database not found: "campus"' }), json(200, { results: [{ statement_id: 0, error: 'boom' }] }));
    await expect(prepareInflux(v1, opts, statement.f)).rejects.toThrow(/could not create it \(HTTP 200: boom\)/);
    const off = answers(json(404, { error: 'database not found: "campus"' }));
    await expect(prepareInflux(v1, { ...opts, createDatabase: false }, off.f)).rejects.toThrow(/GW_ERR_INFLUX_DATABASE_MISSING: .*creating it is turned off/);
  });

  it('v1: a missing retention policy is fatal, naming it', async () => {
    const rp = influxTarget({ url: 'http://influx.local:8086', apiVersion: 1, database: 'campus', retentionPolicy: 'week' });
    const { f } = answers(json(500, { error: 'retention policy not found: week' }));
    await expect(prepareInflux(rp, opts, f)).rejects.toThrow(/^GW_ERR_INFLUX_RETENTION_POLICY_MISSING: .*no retention policy "week" on database "campus"/);
  });

  it('v2: 400 `writing requires points` is ready; a missing bucket is fatal and never created', async () => {
    const ok = answers(json(400, { code: 'invalid', message: 'writing requires points' }));
    await expect(prepareInflux(v2, opts, ok.f)).resolves.toEqual({ kind: 'ready', created: false });
    expect(ok.asked[0]!.url).toBe('http://influx.local:8086/api/v2/write?org=district&bucket=campus&precision=ms');
    const missing = answers(json(404, { code: 'not found', message: 'bucket "campus" not found' }));
    await expect(prepareInflux(v2, opts, missing.f)).rejects.toThrow(/^GW_ERR_INFLUX_BUCKET_MISSING: InfluxDB at http:\/\/influx\.local:8086 \(v2 org=district bucket=campus\) has no such bucket or org \(HTTP 404: bucket "campus" not found\)/);
    expect(missing.asked).toHaveLength(1);
  });

  it('401/403 are GW_ERR_INFLUX_AUTH without the token', async () => {
    const { f } = answers(json(401, { code: 'unauthorized', message: 'unauthorized access' }));
    const err = await failure(prepareInflux(v2, opts, f));
    expect(err.message).toMatch(/^GW_ERR_INFLUX_AUTH: .*refused the credentials \(HTTP 401: unauthorized access\): check store\.username\/password or store\.token/);
    expect(err.message).not.toContain('tok-secret-1');
  });

  it('credentials a server echoes back in its answer are cut out of the error', async () => {
    const basic = influxTarget({ url: 'http://influx.local:8086', apiVersion: 1, database: 'campus', username: 'gw', password: 'pw-echoed-9' });
    const b64 = Buffer.from('gw:pw-echoed-9').toString('base64');
    const echo = answers(json(401, { error: `bad credentials Basic ${b64} (gw:pw-echoed-9)` }));
    const e1 = await failure(prepareInflux(basic, opts, echo.f));
    expect(e1.message).toMatch(/^GW_ERR_INFLUX_AUTH: .*bad credentials Basic \[redacted\] \(\[redacted\]\)/);
    const token = answers(json(403, { message: 'token tok-secret-1 may not write' }));
    const e2 = await failure(prepareInflux(v2, opts, token.f));
    expect(e2.message).toContain('token [redacted] may not write');
    expect(e1.message + e2.message).not.toMatch(/pw-echoed-9|tok-secret-1/);
  });

  it('no answer, 5xx and 429 are unreachable (start degraded)', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    await expect(prepareInflux(v1, opts, answers(refused).f)).resolves.toEqual({ kind: 'unreachable', reason: 'network: ECONNREFUSED' });
    await expect(prepareInflux(v1, opts, answers(json(503, { error: 'starting' })).f)).resolves.toEqual({ kind: 'unreachable', reason: 'HTTP 503: starting' });
    await expect(prepareInflux(v1, opts, answers(new Response('', { status: 429 })).f)).resolves.toMatchObject({ kind: 'unreachable' });
    // Unreachable while creating the database: degraded too, the store tries again.
    const midway = answers(json(404, { error: 'database not found: "campus"' }), refused);
    await expect(prepareInflux(v1, opts, midway.f)).resolves.toEqual({ kind: 'unreachable', reason: 'network: ECONNREFUSED' });
  });

  it('a 404 that is not InfluxDB, and credentials in the URL, are fatal', async () => {
    await expect(prepareInflux(v1, opts, answers(new Response('<html>Not Found</html>', { status: 404 })).f)).rejects.toThrow(/^GW_ERR_INFLUX_REFUSED: .*is the URL InfluxDB's HTTP API\?/);
    const creds = influxTarget({ url: 'http://u:pw-in-url@influx.local:8086', apiVersion: 1, database: 'campus' });
    const err = await failure(prepareInflux(creds, opts, answers().f));
    expect(err.message).toMatch(/^GW_ERR_INFLUX_URL_CREDENTIALS: store\.url carries a user or password/);
    expect(err.message + creds.describe).not.toContain('pw-in-url');
  });
});
