import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config/load.js';
import { describeStartError, fromSystemError, StartError, startErrors } from './errors.js';

/** The error Node gives when a port is taken: a real one, from a real second listen. */
async function addressInUse(): Promise<Error> {
  const a = createServer();
  await new Promise<void>((r) => a.listen(0, '127.0.0.1', r));
  const port = (a.address() as { port: number }).port;
  const b = createServer();
  const err = await new Promise<Error>((resolve) => {
    b.once('error', resolve);
    b.listen(port, '127.0.0.1');
  });
  await new Promise((r) => a.close(r));
  return Object.assign(err, { testPort: port });
}

describe('describeStartError', () => {
  it('a port in use is one line naming the address and its config key', async () => {
    const err = await addressInUse();
    const port = (err as Error & { testPort: number }).testPort;
    const d = describeStartError(fromSystemError(err, { 'http.port': 8080, 'broker.port': port }));
    expect(d).toEqual({ known: true, text: `GW_ERR_PORT_IN_USE: 127.0.0.1:${port} is already in use by another process (broker.port): stop that process or choose another port` });
  });

  it('an unreadable file names the path and why', () => {
    let err: unknown;
    try {
      readFileSync('/nonexistent/tls/cert.pem');
    } catch (e) {
      err = e;
    }
    expect(describeStartError(err)).toEqual({ known: true, text: 'GW_ERR_FILE_UNREADABLE: cannot read /nonexistent/tls/cert.pem: no such file or directory' });
  });

  it('StartErrors and GW_ERR_ messages are their first line; config errors list every key', () => {
    expect(describeStartError(startErrors.hubConnect('mqtt://hub:1883', 20))).toEqual({ known: true, text: 'GW_ERR_HUB_CONNECT: no connection to the hub broker mqtt://hub:1883 within 20 s' });
    expect(describeStartError(new Error('GW_ERR_TLS_CONFIG: needs caFile\nmore'))).toEqual({ known: true, text: 'GW_ERR_TLS_CONFIG: needs caFile' });
    const config = new ConfigError('site.yaml', ['broker.port: got 99999; expected at most 65535', 'http: unknown key(s) "prot"']);
    expect(describeStartError(config)).toEqual({ known: true, text: config.message });
    expect(new StartError('GW_ERR_LOG_FORMAT', 'y').code).toBe('GW_ERR_LOG_FORMAT');
  });

  it('anything else is a bug and keeps its stack', () => {
    const d = describeStartError(new TypeError('cannot read properties of undefined'));
    expect(d.known).toBe(false);
    expect(d.text).toMatch(/^TypeError: cannot read properties of undefined\n\s+at /);
    expect(describeStartError('a string')).toEqual({ known: false, text: 'a string' });
  });
});
