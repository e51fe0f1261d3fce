/**
 * One JSON file for a whole fold (a GeoJSON FeatureCollection or bare array of Features, COCO results), read
 * without holding it: such files reach gigabytes, past what JSON.parse takes in one string (V8 caps a string
 * near 512 MB) and far past the memory budget once parsed. The file is streamed once through
 * @streamparser/json (tokenizer and token parser: the one streaming JSON reader that reports byte offsets);
 * each entry of its top-level list is parsed alone, handed to `keyOf` (which image it belongs to) and
 * dropped, and only its byte range is kept. The workers then read and parse the entries of their image alone
 * (positioned reads). Memory: the ranges, about 24 bytes an entry.
 */
import fs from 'node:fs';
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import { PannukeError } from '../errors.js';

/** Per image key, its entries as flat [number, start, end, …] (number: the entry's place in the list). */
export type EntryRanges = Map<number, number[]>;

const CHUNK = 1 << 20;

/** Where a byte offset is, as a person finds it: line and column (counted in the bytes streamed so far). */
class Lines {
  private line = 1;
  private lineStart = 0;
  private base = 0;

  advance(chunk: Uint8Array): void {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) {
      this.line++;
      this.lineStart = this.base + i + 1;
    }
    this.base += chunk.length;
  }

  /** Line and column of `offset`, which lies in the chunk last passed to `advance` or before it. */
  at(offset: number, chunk: Uint8Array): string {
    // lines counted up to the end of the chunk: step back over the newlines after `offset`
    let line = this.line, lineStart = this.lineStart;
    const chunkStart = this.base - chunk.length;
    for (let i = chunk.length - 1; i >= 0 && chunkStart + i >= offset; i--) {
      if (chunk[i] === 10) line--;
    }
    if (lineStart > offset) {
      const before = chunk.subarray(0, Math.max(0, offset - chunkStart));
      const nl = before.lastIndexOf(10);
      lineStart = nl >= 0 ? chunkStart + nl + 1 : chunkStart; // a line longer than a chunk: column from the chunk
    }
    return `line ${line}, column ${offset - lineStart + 1} (byte ${offset})`;
  }
}

/**
 * Streams `file` and calls `keyOf` with every entry of its list (`features` of a FeatureCollection, or the
 * top-level array); an entry whose key is undefined is left out. Malformed JSON is one error with its line,
 * column and byte.
 */
export async function indexEntries(file: string, keyOf: (entry: unknown, number: number) => number | undefined): Promise<EntryRanges> {
  const first = firstByte(file);
  // A bare array's entries are at depth 1; a FeatureCollection's features at depth 2 (inside "features").
  const listDepth = first === 0x5b ? 1 : 2;
  const tokenizer = new Tokenizer();
  const parser = new TokenParser({ paths: [first === 0x5b ? '$.*' : '$.features.*'], keepStack: false });
  const out: EntryRanges = new Map();
  let depth = 0, start = -1, current = 0, number = 0;
  parser.onValue = ({ value }) => {
    const key = keyOf(value, number);
    if (key !== undefined) {
      let list = out.get(key);
      if (list === undefined) out.set(key, (list = []));
      list.push(number, start, current + 1);
    }
    number++;
  };
  tokenizer.onToken = (token) => {
    current = token.offset;
    if (token.token === TokenType.LEFT_BRACE || token.token === TokenType.LEFT_BRACKET) {
      if (depth === listDepth) start = token.offset;
      depth++;
    } else if (token.token === TokenType.RIGHT_BRACE || token.token === TokenType.RIGHT_BRACKET) {
      depth--;
    } else if (depth === listDepth) {
      start = token.offset; // a bare value in the list (refused by keyOf)
    }
    parser.write(token);
  };
  const lines = new Lines();
  const fd = fs.openSync(file, 'r');
  const chunk = new Uint8Array(CHUNK);
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      const view = chunk.subarray(0, n);
      lines.advance(view);
      try {
        tokenizer.write(view);
      } catch (cause) {
        if (cause instanceof PannukeError) throw cause;
        const absolute = /absolute position "(\d+)"/.exec((cause as Error).message);
        const at = absolute === null ? current : Number(absolute[1]);
        throw new PannukeError('FOLD_MISMATCH', `malformed JSON: ${(cause as Error).message.replace(/ at absolute position.*$/, '')}`, { file, position: lines.at(at, view), cause });
      }
      // let Ctrl-C and the progress timers run between chunks
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    try {
      tokenizer.end();
    } catch (cause) {
      throw new PannukeError('FOLD_MISMATCH', `malformed JSON: ${(cause as Error).message}`, { file, position: 'the end of the file', cause });
    }
    if (depth !== 0 || !parser.isEnded) throw new PannukeError('FOLD_MISMATCH', 'malformed JSON: the file ends inside a value', { file, position: 'the end of the file' });
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** The first byte of the file that is not whitespace (nor a UTF-8 byte order mark). */
function firstByte(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    for (let position = 0; ; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, position);
      if (n === 0) throw new PannukeError('FOLD_MISMATCH', 'the file holds no JSON value', { file });
      for (let i = 0; i < n; i++) {
        const b = buf[i] as number, at = position + i;
        const bom = at < 3 && b === [0xef, 0xbb, 0xbf][at];
        if (!bom && b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
      }
      position += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The entries at `ranges` (flat [number, start, end, …]), parsed; read by positioned reads. */
export function readEntries(file: string, ranges: readonly number[]): { number: number; value: unknown }[] {
  const fd = fs.openSync(file, 'r');
  try {
    const out: { number: number; value: unknown }[] = [];
    for (let i = 0; i < ranges.length; i += 3) {
      const number = ranges[i] as number, start = ranges[i + 1] as number, end = ranges[i + 2] as number;
      const bytes = Buffer.alloc(end - start);
      let got = 0;
      while (got < bytes.length) {
        const n = fs.readSync(fd, bytes, got, bytes.length - got, start + got);
        if (n === 0) throw new PannukeError('FILE_UNREADABLE', 'the file is shorter than when it was read: was it changed during the run?', { file, position: `byte ${start + got}` });
        got += n;
      }
      out.push({ number, value: JSON.parse(bytes.toString('utf8')) as unknown });
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}
