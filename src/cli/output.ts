/**
 * Streaming row output in the formats other tools read: a row is written as soon as it is produced (with
 * backpressure), so a 200k-row result is never held in memory. Only a terminal `table` looks ahead, at its
 * first 1,000 rows, to size its columns.
 */
import { csvField, plainText as text } from '../export/csv.js';
import type { Io } from './io.js';

export const FORMATS = ['table', 'csv', 'json', 'ndjson', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

type Stream = Io['stdout'] & { once?: (event: 'drain', listener: () => void) => unknown };

export interface RowSink {
  write(row: readonly unknown[]): Promise<void>;
  end(): Promise<void>;
}

const LOOKAHEAD = 1000;
const CHUNK = 1 << 16;

function jsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'bigint') return v.toString();
  return v ?? null;
}

export function rowWriter(out: Stream, format: Format, columns: readonly string[]): RowSink {
  let buffer = '';
  let rows = 0;
  const flush = async (force = false) => {
    if (buffer.length < CHUNK && !force) return;
    const chunk = buffer;
    buffer = '';
    if (chunk === '') return;
    if (out.write(chunk) === false && typeof out.once === 'function') await new Promise<void>((r) => out.once?.('drain', r));
  };
  const object = (row: readonly unknown[]) => Object.fromEntries(columns.map((c, k) => [c, jsonValue(row[k])]));

  switch (format) {
    case 'csv':
      buffer += `${columns.map(csvField).join(',')}\r\n`;
      return {
        write: async (row) => { buffer += `${row.map(csvField).join(',')}\r\n`; await flush(); },
        end: () => flush(true),
      };
    case 'ndjson':
      return {
        write: async (row) => { buffer += `${JSON.stringify(object(row))}\n`; await flush(); },
        end: () => flush(true),
      };
    case 'json':
      buffer += '[';
      return {
        write: async (row) => { buffer += `${rows++ === 0 ? '\n' : ',\n'}${JSON.stringify(object(row))}`; await flush(); },
        end: async () => { buffer += rows === 0 ? ']\n' : '\n]\n'; await flush(true); },
      };
    case 'markdown': {
      const cell = (v: unknown) => text(v).replaceAll('|', '\\|').replace(/\r?\n/g, ' ');
      buffer += `| ${columns.map(cell).join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n`;
      return {
        write: async (row) => { buffer += `| ${row.map(cell).join(' | ')} |\n`; await flush(); },
        end: () => flush(true),
      };
    }
    case 'table': {
      const ahead: string[][] = [];
      let widths: number[] | undefined;
      let numeric: boolean[] = [];
      const line = (cells: readonly string[]) =>
        cells.map((c, k) => (numeric[k] ? c.padStart(widths![k] ?? 0) : c.padEnd(widths![k] ?? 0))).join('  ').trimEnd() + '\n';
      const start = () => {
        widths = columns.map((c, k) => Math.max(c.length, ...ahead.map((r) => (r[k] ?? '').length)));
        numeric = columns.map((_, k) => ahead.length > 0 && ahead.every((r) => r[k] === '' || /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(r[k] ?? '')));
        buffer += line(columns) + widths.map((w) => '─'.repeat(w)).join('  ') + '\n';
        for (const r of ahead) buffer += line(r);
        ahead.length = 0;
      };
      return {
        write: async (row) => {
          const cells = row.map(text);
          if (widths === undefined) {
            ahead.push(cells);
            if (ahead.length >= LOOKAHEAD) start();
          } else buffer += line(cells);
          await flush();
        },
        end: async () => {
          if (widths === undefined) start();
          await flush(true);
        },
      };
    }
  }
}

/** Writes whole rows in one call. */
export async function writeRows(out: Stream, format: Format, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<void> {
  const sink = rowWriter(out, format, columns);
  for (const row of rows) await sink.write(row);
  await sink.end();
}
