/**
 * Rows as text in the formats other tools read (table, CSV per RFC 4180, JSON, NDJSON, Markdown), streamed:
 * a row is written as soon as it is produced, with backpressure, so a 200k-row result is never held in
 * memory. Only `table` looks ahead, at its first 1,000 rows, to size its columns. The same writers serve the
 * terminal (stats, query) and files (export).
 */

export const FORMATS = ['table', 'csv', 'json', 'ndjson', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

/** Anything with `write` (a terminal, a file stream, a test buffer); `once('drain')` gives backpressure. */
export interface TextOut {
  write(chunk: string): unknown;
  once?: (event: 'drain', listener: () => void) => unknown;
  /** Resolves when a full destination can take more (or rejects when it failed); used before `once`. */
  drained?: () => Promise<void>;
}

export interface RowSink {
  write(row: readonly unknown[]): Promise<void>;
  end(): Promise<void>;
}

const LOOKAHEAD = 1000;
const CHUNK = 1 << 16;

/** Text for one value: null as empty, blobs as hex, integers exactly (SQLite's 64-bit ones arrive as BigInt). */
export function plainText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return String(v);
}

/**
 * Control characters (C0 but tab, DEL, C1) as visible escapes, so a value or a file name cannot move the
 * cursor, clear the screen or retitle the window of the terminal it is printed on.
 */
export function terminalSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A text cell that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage
 * return: OWASP's list) gets a leading apostrophe, which spreadsheets show as text. Numbers are left alone.
 */
export function formulaSafe(v: unknown): unknown {
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** RFC 4180: quote a field holding a comma, a quote or a line break, doubling its quotes. */
export function csvField(v: unknown, raw = false): string {
  const s = plainText(raw ? v : formulaSafe(v));
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A value as JSON text: blobs base64, 64-bit integers as exact digits (JSON numbers have no size limit). */
function jsonText(v: unknown): string {
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString('base64'));
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return 'null';
  return JSON.stringify(v ?? null);
}

/** Buffers text into 64 KiB chunks and waits for `drain` when the destination is full. */
export function textSink(out: TextOut) {
  let buffer = '';
  const flush = async (force: boolean) => {
    if ((buffer.length < CHUNK && !force) || buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (out.write(chunk) !== false) return;
    if (out.drained !== undefined) await out.drained();
    else if (typeof out.once === 'function') await new Promise<void>((r) => out.once?.('drain', r));
  };
  return {
    write: (text: string) => {
      buffer += text;
      return flush(false);
    },
    flush: () => flush(true),
  };
}

/** Aligned columns: numeric columns right-aligned, a rule under the header. */
export function tableLayout(header: readonly string[], sample: readonly (readonly string[])[], numeric: readonly boolean[]) {
  const widths = header.map((h, k) => Math.max(h.length, ...sample.map((r) => (r[k] ?? '').length)));
  const line = (cells: readonly string[]) => `${cells.map((c, k) => (numeric[k] ? c.padStart(widths[k] ?? 0) : c.padEnd(widths[k] ?? 0))).join('  ').trimEnd()}\n`;
  return { line, head: line(header) + `${widths.map((w) => '─'.repeat(w)).join('  ')}\n` };
}

export interface RowOptions {
  /** CSV: write cells as they are, without the formula guard (see formulaSafe). */
  raw?: boolean;
}

export function rowWriter(out: TextOut, format: Format, columns: readonly string[], options: RowOptions = {}): RowSink {
  const sink = textSink(out);
  const keys = columns.map((c) => `${JSON.stringify(c)}:`);
  const object = (row: readonly unknown[]) => `{${keys.map((k, i) => k + jsonText(row[i])).join(',')}}`;
  const csv = (v: unknown) => csvField(v, options.raw === true);
  const lines = (head: string, line: (row: readonly unknown[]) => string): RowSink => {
    let started = false;
    return {
      write: (row) => {
        const text = (started ? '' : head) + line(row);
        started = true;
        return sink.write(text);
      },
      end: async () => {
        if (!started) await sink.write(head);
        await sink.flush();
      },
    };
  };

  switch (format) {
    case 'csv':
      return lines(`${columns.map(csv).join(',')}\r\n`, (row) => `${row.map(csv).join(',')}\r\n`);
    case 'ndjson':
      return lines('', (row) => `${object(row)}\n`);
    case 'json': {
      let n = 0;
      return {
        write: (row) => sink.write(`${n++ === 0 ? '[\n' : ',\n'}${object(row)}`),
        end: async () => {
          await sink.write(n === 0 ? '[]\n' : '\n]\n');
          await sink.flush();
        },
      };
    }
    case 'markdown': {
      const cell = (v: unknown) => terminalSafe(plainText(v)).replaceAll('|', '\\|');
      return lines(`| ${columns.map(cell).join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n`, (row) => `| ${row.map(cell).join(' | ')} |\n`);
    }
    case 'table': {
      const ahead: string[][] = [];
      let line: ((cells: readonly string[]) => string) | undefined;
      const start = () => {
        const numeric = columns.map((_, k) => ahead.length > 0 && ahead.every((r) => r[k] === '' || /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(r[k] ?? '')));
        const layout = tableLayout(columns.map(terminalSafe), ahead, numeric);
        line = layout.line;
        const text = layout.head + ahead.map(layout.line).join('');
        ahead.length = 0;
        return sink.write(text);
      };
      return {
        write: async (row) => {
          const cells = row.map((v) => terminalSafe(plainText(v)));
          if (line !== undefined) return sink.write(line(cells));
          ahead.push(cells);
          if (ahead.length >= LOOKAHEAD) await start();
        },
        end: async () => {
          if (line === undefined) await start();
          await sink.flush();
        },
      };
    }
  }
}

/** Writes whole rows in one call. */
export async function writeRows(out: TextOut, format: Format, columns: readonly string[], rows: Iterable<readonly unknown[]>, options: RowOptions = {}): Promise<void> {
  const sink = rowWriter(out, format, columns, options);
  for (const row of rows) await sink.write(row);
  await sink.end();
}
