/**
 * A class session's readings on disk: `sessions/<id>.ndjson` (file 0600, folder 0700), one
 * `{k, r}` line per captured reading, appended through one write stream per session. Read back
 * line by line, never as one string: a 45-minute lesson of 40 pens is ~1.7 GB, past the longest
 * string V8 can hold, and a restart during such a lesson must still read it.
 */
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';

export interface CaptureFiles {
  /** False without a sessions file: nothing is written, readings past the memory limit are dropped. */
  readonly enabled: boolean;
  append(id: string, key: string, reading: Reading): void;
  /** Ends the session's write stream (what it holds reaches the file). */
  close(id: string): Promise<void>;
  closeAll(): Promise<void>;
  exists(id: string): boolean;
  remove(id: string): void;
  /** Every line in order, read synchronously in chunks (start-up, before new lines are appended). */
  eachLineSync(id: string, fn: (line: string) => void): void;
  /** Every line in order, read asynchronously (exports). */
  lines(id: string): AsyncIterable<string>;
}

export function createCaptureFiles(options: { dir: string | undefined; chunkBytes?: number }, deps: { log: Logger }): CaptureFiles {
  const { dir } = options;
  const streams = new Map<string, WriteStream>();
  const path = (id: string) => join(dir!, `${id}.ndjson`);

  async function close(id: string): Promise<void> {
    const out = streams.get(id);
    streams.delete(id);
    if (out) await new Promise<void>((resolve) => out.end(resolve));
  }

  return {
    enabled: dir !== undefined,
    append(id, key, reading) {
      if (dir === undefined) return;
      let out = streams.get(id);
      if (!out) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        out = createWriteStream(path(id), { flags: 'a', mode: 0o600 });
        out.on('error', (err) => deps.log.warn({ err, session: id }, 'could not write captured readings'));
        streams.set(id, out);
      }
      out.write(`${JSON.stringify({ k: key, r: reading })}\n`);
    },
    close,
    closeAll: async () => {
      await Promise.all([...streams.keys()].map(close));
    },
    exists: (id) => dir !== undefined && existsSync(path(id)),
    remove(id) {
      if (dir !== undefined) rmSync(path(id), { force: true });
    },
    eachLineSync(id, fn) {
      const fd = openSync(path(id), 'r');
      try {
        const buf = Buffer.allocUnsafe(options.chunkBytes ?? 1 << 20);
        let rest = Buffer.alloc(0);
        for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
          // Lines split on the byte 0x0A, decoded whole: a character cut by a chunk boundary stays intact.
          const chunk = rest.length > 0 ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
          let start = 0;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, start)) {
            fn(chunk.toString('utf8', start, i));
            start = i + 1;
          }
          rest = Buffer.from(chunk.subarray(start));
        }
        if (rest.length > 0) fn(rest.toString('utf8'));
      } finally {
        closeSync(fd);
      }
    },
    lines: (id) => createInterface({ input: createReadStream(path(id), 'utf8'), crlfDelay: Infinity }),
  };
}
