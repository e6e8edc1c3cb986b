import { Writable } from 'node:stream';

/** Collects every log line a Gatehouse instance writes, so tests can grep them (no secrets in logs). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  text() {
    return this.lines.join('\n');
  }
}
