/**
 * Cuts the wanted records out of an .npy file's bytes as they stream past (a zip member coming out of
 * inflate): the header is skipped, records before a wanted one are read past, and each wanted record is
 * copied into a buffer of its own. One record's memory, whatever the file size.
 */
import type { NpyRecord, RecordBuffers } from './source.js';

export class RecordCutter {
  /** Bytes still to pass before the current record (the header, then unwanted records). */
  private skip: number;
  /** Position in `wanted`. */
  private next = 0;
  /** The record the next data byte belongs to. */
  private current = 0;
  private record: Uint8Array | undefined;
  private filled = 0;

  /** `wanted`: increasing record indexes. */
  constructor(dataOffset: number, private readonly recordBytes: number, private readonly wanted: readonly number[], private readonly buffers: RecordBuffers) {
    this.skip = dataOffset;
  }

  /** Every wanted record has been cut (the rest of the stream is only read through). */
  get done(): boolean {
    return this.next === this.wanted.length;
  }

  /** The record the stream has reached, for messages about a stream that ends early. */
  get index(): number {
    return this.current;
  }

  /** Takes the next chunk of the stream; `emit` gets each wanted record completed in it, in order. */
  push(chunk: Uint8Array, emit: (record: NpyRecord) => void): void {
    let at = 0;
    while (at < chunk.length && this.next < this.wanted.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const target = this.wanted[this.next] as number;
      if (this.current < target) {
        this.skip = (target - this.current) * this.recordBytes;
        this.current = target;
        continue;
      }
      this.record ??= this.buffers.take();
      const n = Math.min(this.recordBytes - this.filled, chunk.length - at);
      this.record.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.recordBytes) {
        const bytes = this.record;
        this.record = undefined;
        this.filled = 0;
        this.next++;
        emit({ index: this.current++, bytes });
      }
    }
  }
}
