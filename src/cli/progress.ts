/**
 * Progress for long work: a live bar on a terminal, a plain line every few seconds otherwise (CI logs, pipes).
 * One mechanism, two units: images (ingest, verify, synth, export) and bytes (fetch).
 */
import cliProgress from 'cli-progress';
import type { Io } from './io.js';

export interface ProgressReporter {
  update(done: number, total: number | undefined, extra?: { nuclei?: number }): void;
  stop(): void;
}

interface Units {
  /** The bar's text after the percentage, with {placeholders} filled by `fields`. */
  bar: string;
  fields(done: number, total: number, seconds: number, nuclei: number): Record<string, string>;
  /** The plain line (without the label). */
  line(done: number, total: number | undefined, seconds: number, nuclei: number): string;
}

function reporter(io: Io, label: string, units: Units, intervalSeconds: number): ProgressReporter {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  if (io.stderr.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | ${units.bar} | ETA {eta_formatted}`, stream: io.stderr as NodeJS.WritableStream, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let running = false;
    return {
      update(done, total, extra) {
        const t = total ?? done;
        const fields = units.fields(done, t, seconds(), extra?.nuclei ?? 0);
        if (!running) {
          bar.start(t, 0, fields);
          running = true;
        }
        bar.setTotal(t);
        bar.update(done, fields);
      },
      stop() {
        if (running) bar.stop();
        running = false;
      },
    };
  }
  let last = -Infinity;
  return {
    update(done, total, extra) {
      const s = seconds();
      if (s - last < intervalSeconds && done !== total) return;
      last = s;
      io.stderr.write(`${label}: ${units.line(done, total, s, extra?.nuclei ?? 0)}\n`);
    },
    stop() {},
  };
}

const eta = (done: number, total: number | undefined, rate: number) => (total === undefined || rate === 0 ? '?' : ((total - done) / rate).toFixed(0));

/** Images: count, rate, nuclei so far, ETA. */
export function progressReporter(io: Io, label: string, intervalSeconds = 5): ProgressReporter {
  return reporter(io, label, {
    bar: '{value}/{total} images | {rate} img/s | {nuclei} nuclei',
    fields: (done, _total, s, nuclei) => ({ rate: (done / Math.max(s, 1e-3)).toFixed(0), nuclei: String(nuclei) }),
    line: (done, total, s, nuclei) => {
      const rate = done / Math.max(s, 1e-3);
      const share = total === undefined || total === 0 ? '' : ` (${((100 * done) / total).toFixed(1)}%)`;
      return `${done}/${total ?? '?'} images${share}, ${nuclei} nuclei, ${rate.toFixed(0)} img/s, ETA ${eta(done, total, rate)} s`;
    },
  }, intervalSeconds);
}

/** Bytes of a download: MB, rate, ETA. */
export function byteProgress(io: Io, label: string, intervalSeconds = 5): ProgressReporter {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return reporter(io, label, {
    bar: '{mb}/{totalMb} MB | {rate} MB/s',
    fields: (done, total, s) => ({ mb: mb(done), totalMb: mb(total), rate: (done / 1e6 / Math.max(s, 1e-3)).toFixed(1) }),
    line: (done, total, s) => {
      const rate = done / Math.max(s, 1e-3);
      return `${mb(done)}${total === undefined ? '' : `/${mb(total)}`} MB, ${(rate / 1e6).toFixed(1)} MB/s, ETA ${eta(done, total, rate)} s`;
    },
  }, intervalSeconds);
}
