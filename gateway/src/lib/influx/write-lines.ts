/**
 * One write of a few lines that the caller retries itself (the hub: a message stays
 * unacknowledged at its broker until it is stored). The same request and the same reading of
 * the answer as the influx store's batches (http.ts, errors.ts); what differs is that the
 * outcome is thrown: an InfluxWriteError, retryable or not.
 *
 * Retryable: no answer, a timeout, 5xx, 429, and 401/403/404 (wrong credentials, a missing
 * database: a person fixes them and nothing is lost meanwhile). Not retryable: 400 (a line
 * InfluxDB refuses) and 413: sending the same lines again cannot help.
 */
import { messageOf } from './errors.js';
import { postWrite, type InfluxTarget, type Poster } from './http.js';
import { GatewayError } from '../../errors.js';

export class InfluxWriteError extends GatewayError {
  constructor(message: string, readonly retryable: boolean) {
    super('GW_ERR_INFLUX_WRITE', message);
    this.name = 'InfluxWriteError';
  }
}

export interface WriteLinesOptions {
  timeoutMs?: number;
  /** The request: a keep-alive node:http poster (`createHttpPoster`) or a recording one in tests. */
  send: Poster;
}

export async function writeLines(target: InfluxTarget, lines: readonly string[], options: WriteLinesOptions): Promise<void> {
  if (lines.length === 0) return;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const outcome = await postWrite(target, Buffer.from(lines.join('\n'), 'utf8'), false, timeoutMs, options.send);
  switch (outcome.kind) {
    case 'ok':
      return;
    case 'retry':
      throw new InfluxWriteError(`InfluxDB write failed: ${outcome.reason}`, true);
    case 'bad-request':
      throw new InfluxWriteError(`InfluxDB refused the write (HTTP 400): ${messageOf(outcome.text).slice(0, 200)}`, false);
    case 'too-large':
      throw new InfluxWriteError('InfluxDB refused the write (HTTP 413: request too large)', false);
  }
}
