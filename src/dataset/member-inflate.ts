/**
 * A zip member's bytes, inflated synchronously into buffers the caller owns (a record's own buffer), and
 * checked against the archive's CRC-32 and length on the way: what the zip reader thread reads records with.
 *
 * Why not node:zlib's stream (zip-member.ts): it hands each chunk out in a newly allocated buffer, freed only
 * when V8 collects. Those allocations come back from the kernel as fresh pages every time (glibc trims the
 * freed memory): in an ingest of 2,400 images from the zips, the page faults cost 11 % of the CPU time and
 * 13 % of the wall time (the same run with glibc told to keep 64 MB: MALLOC_TOP_PAD_), and a lone inflate of
 * one member took up to 2.7× the CPU of the same inflate with memory kept. The stream also needs a copy from
 * its chunks into records and a turn of the event loop per chunk. No library inflates into the caller's
 * memory (fflate, pako allocate too, and run slower than zlib), so this drives node:zlib's own inflate
 * through the synchronous write the module uses for `inflateRawSync` (`_handle.writeSync`, kept since Node 10).
 * That is internal API: `open` returns undefined when it is missing, and the caller reads the stream instead.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { PannukeError } from '../errors.js';
import { MemberCheck, type ZipMember } from './zip-member.js';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, out: Uint8Array, outOffset: number, outLength: number): void;
}
type InflateInternals = zlib.InflateRaw & { _handle?: ZlibHandle; _writeState?: Uint32Array };

/** Compressed bytes read from the archive at a time. */
const INPUT_BYTES = 1 << 20;
/** Where bytes nobody wants (the .npy header, records skipped) are inflated, to be checked. */
const SCRATCH_BYTES = 1 << 20;

export class MemberInflater {
  /** Compressed bytes read ahead (deflate only). */
  private readonly input = new Uint8Array(INPUT_BYTES);
  private inOffset = 0;
  private inLength = 0;
  private readAt: number;
  private compressedLeft: number;
  private produced = 0;
  private ended = false;
  private scratch: Uint8Array | undefined;
  private readonly check: MemberCheck;

  private constructor(private readonly member: ZipMember, private readonly fd: number, private readonly inflate: InflateInternals | undefined) {
    this.readAt = member.dataStart;
    this.compressedLeft = member.compressedSize;
    this.check = new MemberCheck(member);
  }

  /**
   * The member, read from `fd` (the archive, open for reading: the caller's to close, after `close`), or
   * undefined when node:zlib no longer has the synchronous write (read the stream then).
   */
  static open(member: ZipMember, fd: number): MemberInflater | undefined {
    let inflate: InflateInternals | undefined;
    if (member.method === 8) {
      inflate = zlib.createInflateRaw() as InflateInternals;
      if (typeof inflate._handle?.writeSync !== 'function' || !(inflate._writeState instanceof Uint32Array) || inflate._writeState.length < 2) {
        inflate.destroy();
        return undefined;
      }
      // Errors are read from `errored` after each write; the event would otherwise go unhandled.
      inflate.on('error', () => undefined);
    }
    return new MemberInflater(member, fd, inflate);
  }

  /** Bytes of the member passed so far (filled or skipped). */
  get position(): number {
    return this.produced;
  }

  /** Fills `out` with the member's next bytes: fewer than `out.length` only at its end. */
  fill(out: Uint8Array): number {
    let at = 0;
    while (at < out.length && !this.ended) at += this.step(out, at, out.length - at);
    return at;
  }

  /** Passes over the member's next `n` bytes (checked, not kept); fewer only at its end. */
  skip(n: number): number {
    this.scratch ??= new Uint8Array(SCRATCH_BYTES);
    let done = 0;
    while (done < n && !this.ended) done += this.step(this.scratch, 0, Math.min(n - done, this.scratch.length));
    return done;
  }

  /** Reads on to the member's end, then throws if its length or CRC-32 differ from what the archive records. */
  finish(): void {
    while (!this.ended) this.skip(SCRATCH_BYTES);
    this.check.verify();
  }

  /** Frees zlib's state (the file stays open: it is the caller's). */
  close(): void {
    this.inflate?.destroy();
  }

  /** One read or inflate into out[outOffset, outOffset + outLength): the bytes it produced, checked. */
  private step(out: Uint8Array, outOffset: number, outLength: number): number {
    const made = this.inflate === undefined ? this.readStored(out, outOffset, outLength) : this.inflateInto(this.inflate, out, outOffset, outLength);
    this.produced += made;
    if (this.produced > this.member.uncompressedSize) throw this.damaged(`member holds more than the ${this.member.uncompressedSize} bytes the archive records`);
    this.check.update(out.subarray(outOffset, outOffset + made));
    return made;
  }

  /** A stored member's bytes are the archive's: read straight into `out`. */
  private readStored(out: Uint8Array, outOffset: number, outLength: number): number {
    const want = Math.min(outLength, this.compressedLeft);
    if (want === 0) {
      this.ended = true;
      return 0;
    }
    const n = fs.readSync(this.fd, out, outOffset, want, this.readAt);
    if (n === 0) throw this.archiveEnds();
    this.readAt += n;
    this.compressedLeft -= n;
    return n;
  }

  private inflateInto(inflate: InflateInternals, out: Uint8Array, outOffset: number, outLength: number): number {
    if (this.inLength === 0 && this.compressedLeft > 0) this.refill();
    const handle = inflate._handle as ZlibHandle;
    const state = inflate._writeState as Uint32Array;
    // With the last compressed bytes, Z_FINISH: zlib then reports deflate data that stops before its end.
    const flush = this.inLength === 0 && this.compressedLeft === 0 ? zlib.constants.Z_FINISH : zlib.constants.Z_NO_FLUSH;
    handle.writeSync(flush, this.input, this.inOffset, this.inLength, out, outOffset, outLength);
    if (inflate.errored !== null) throw inflate.errored;
    const made = outLength - (state[0] as number);
    const used = this.inLength - (state[1] as number);
    this.inOffset += used;
    this.inLength -= used;
    // No progress with room to write: the deflate stream has ended.
    if (made === 0 && used === 0) this.ended = true;
    return made;
  }

  private refill(): void {
    const want = Math.min(this.input.length, this.compressedLeft);
    const n = fs.readSync(this.fd, this.input, 0, want, this.readAt);
    if (n === 0) throw this.archiveEnds();
    this.readAt += n;
    this.compressedLeft -= n;
    this.inOffset = 0;
    this.inLength = n;
  }

  private archiveEnds(): PannukeError {
    return this.damaged(`the archive ends inside the member, ${this.compressedLeft} compressed bytes short`);
  }

  private damaged(message: string): PannukeError {
    return new PannukeError('ZIP', message, { file: `${this.member.zip}:${this.member.name}`, hint: 'the archive is damaged; download it again' });
  }
}
