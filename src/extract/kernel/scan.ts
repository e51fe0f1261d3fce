/**
 * The WebAssembly scan kernel (scan.wat): finds the pixels of a 6-channel float64 mask record that have a
 * class channel set, so that the region scan's JavaScript only visits nucleus pixels. One instance per thread.
 *
 * Memory layout: the record from byte 0, then an i32 list of pixel indexes. A record read straight into
 * `input()` is scanned in place; any other Float64Array is copied in first.
 */
import { SCAN_WASM } from './scan.wasm.js';

/** Bytes per pixel of the layout the kernel handles: 6 float64 channels. */
const PIXEL_BYTES = 48;
const PAGE = 65536;

/** The part of the WebAssembly JS API used here (TypeScript declares it in the DOM lib, which Node code goes without). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  collect(pixels: number, out: number): number;
  digest(blocks: number): bigint;
  takeVoids(): number;
}

export interface Collected {
  /** The record as scanned, in kernel memory (the caller's view may be detached if memory had to grow). */
  record: Float64Array;
  /** Indexes (row × width + col) of the pixels with a class channel that is not ±0, ascending. */
  indexes: Int32Array;
  /** Pixels with all six channels ±0. */
  voids: number;
}

export class ScanKernel {
  private readonly exports: Exports;

  constructor() {
    // Synchronous compile: the module is 250 bytes.
    const instance = new Instance(new Module(Buffer.from(SCAN_WASM, 'base64')));
    this.exports = instance.exports as unknown as Exports;
  }

  /** A view of `byteLength` bytes at the start of kernel memory, for reading a record into. */
  input(byteLength: number): Uint8Array {
    this.reserve(byteLength + Math.ceil(byteLength / PIXEL_BYTES) * 4);
    return new Uint8Array(this.exports.memory.buffer, 0, byteLength);
  }

  /** The pixels of `values` (6 channels per pixel) with a class set, and the count of void pixels. */
  collect(values: Float64Array, pixels: number): Collected {
    const bytes = pixels * PIXEL_BYTES;
    const inPlace = values.buffer === this.exports.memory.buffer && values.byteOffset === 0;
    this.reserve(bytes + pixels * 4); // contents survive a grow; only views of the old buffer are detached
    if (!inPlace) new Float64Array(this.exports.memory.buffer, 0, pixels * 6).set(values.subarray(0, pixels * 6));
    const count = this.exports.collect(pixels, bytes);
    const buffer = this.exports.memory.buffer;
    return { record: new Float64Array(buffer, 0, pixels * 6), indexes: new Int32Array(buffer, bytes, count), voids: this.exports.takeVoids() };
  }

  /**
   * The record digest of `bytes` (see scan.wat and images.mask_digest): a 53-bit integer. Bytes already at the
   * start of kernel memory (a record read with `input`) are digested in place; others are copied there first.
   */
  digest(bytes: Uint8Array): number {
    const padded = Math.ceil(bytes.length / 16) * 16;
    const inPlace = bytes.buffer === this.exports.memory.buffer && bytes.byteOffset === 0;
    this.reserve(padded);
    const memory = new Uint8Array(this.exports.memory.buffer, 0, padded);
    if (!inPlace) memory.set(bytes);
    memory.fill(0, bytes.length, padded);
    return Number(BigInt.asUintN(64, this.exports.digest(padded / 16)) >> 11n);
  }

  private reserve(byteLength: number): void {
    const { memory } = this.exports;
    const missing = byteLength - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
  }
}

let kernel: ScanKernel | undefined;

/** This thread's kernel. */
export function scanKernel(): ScanKernel {
  kernel ??= new ScanKernel();
  return kernel;
}
