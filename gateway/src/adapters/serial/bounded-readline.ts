/**
 * @serialport/parser-readline with a bound: a device that streams bytes without
 * ever sending the delimiter must not grow memory without limit. When the
 * pending line passes `maxLineBytes` it is dropped and 'overflow' is emitted
 * with the number of bytes dropped; the rest of that line, up to the next
 * delimiter, is dropped silently (it is the tail of the same bad line).
 */
import { ReadlineParser, type ReadlineOptions } from '@serialport/parser-readline';
import type { TransformCallback } from 'node:stream';

export class BoundedReadlineParser extends ReadlineParser {
  private discarding = false;

  constructor(private readonly maxLineBytes: number, options: ReadlineOptions) {
    super(options);
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, cb: TransformCallback): void {
    if (this.discarding) {
      const at = chunk.indexOf(this.delimiter);
      if (at < 0) return cb();
      this.discarding = false;
      chunk = chunk.subarray(at + this.delimiter.length);
    }
    super._transform(chunk, encoding, (err) => {
      if (!err && this.buffer.length > this.maxLineBytes) {
        const dropped = this.buffer.length;
        this.buffer = Buffer.alloc(0);
        this.discarding = true;
        this.emit('overflow', dropped);
      }
      cb(err);
    });
  }
}
