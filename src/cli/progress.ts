/**
 * Progress for long work: a live bar on a terminal, a plain line every few seconds otherwise (CI logs, pipes).
 * One mechanism, three units: images (ingest, verify, synth, export masks) with the nuclei so far, nuclei
 * (row exports) and bytes (fetch).
 */
import type { SingleBar } from 'cli-progress';
import type { Io } from './io.js';
import { formatNumber } from './format.js';

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

/**
 * Seconds left at the mean rate so far, once there is enough to go on (a second of work and 1 % done): the
 * first images include start-up, and an estimate from them is wildly off.
 */
export function eta(done: number, total: number | undefined, seconds: number): string {
  if (total !== undefined && done >= total) return '0 s';
  if (total === undefined || done === 0 || seconds < 1 || done / total < 0.01) return '…';
  const left = ((total - done) * seconds) / done;
  return left < 90 ? `${left.toFixed(0)} s` : `${(left / 60).toFixed(0)} min`;
}

function reporter(io: Io, label: string, units: Units, intervalSeconds: number): ProgressReporter {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  if (io.stderr.isTTY === true) {
    // The bar's library loads only for a terminal, and without holding up the command's start (~5 ms of the
    // main thread, which worker threads wait for): updates before it is there are not shown.
    let bar: SingleBar | undefined;
    let stopped = false;
    void import('cli-progress').then(({ default: cliProgress }) => {
      if (stopped) return;
      bar = new cliProgress.SingleBar(
        { format: `${label} [{bar}] {percentage}% | ${units.bar} | ETA {left}`, stream: io.stderr as NodeJS.WritableStream, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
    });
    let running = false;
    return {
      update(done, total, extra) {
        if (bar === undefined) return;
        const t = total ?? done;
        const s = seconds();
        const fields = { ...units.fields(done, t, s, extra?.nuclei ?? 0), left: eta(done, total, s) };
        if (!running) {
          bar.start(t, 0, fields);
          running = true;
        }
        bar.setTotal(t);
        bar.update(done, fields);
      },
      stop() {
        stopped = true;
        if (running) bar?.stop();
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

const share = (done: number, total: number | undefined) => (total === undefined || total === 0 ? '' : ` (${((100 * done) / total).toFixed(1)}%)`);
const rate = (done: number, s: number) => (done / Math.max(s, 1e-3)).toFixed(0);

/** Images: count, rate, nuclei so far, ETA. */
export function progressReporter(io: Io, label: string, intervalSeconds = 5): ProgressReporter {
  return reporter(io, label, {
    bar: '{value}/{total} images | {rate} img/s | {nuclei} nuclei',
    fields: (done, _total, s, nuclei) => ({ rate: rate(done, s), nuclei: formatNumber(nuclei) }),
    line: (done, total, s, nuclei) => `${formatNumber(done)}/${total === undefined ? '?' : formatNumber(total)} images${share(done, total)}, ${formatNumber(nuclei)} nuclei, ${rate(done, s)} img/s, ETA ${eta(done, total, s)}`,
  }, intervalSeconds);
}

/** Rows (nuclei unless said): count, rate, ETA. */
export function rowProgress(io: Io, label: string, intervalSeconds = 5, unit = 'nuclei'): ProgressReporter {
  return reporter(io, label, {
    bar: `{value}/{total} ${unit} | {rate} ${unit}/s`,
    fields: (done, _total, s) => ({ rate: rate(done, s) }),
    line: (done, total, s) => `${formatNumber(done)}/${total === undefined ? '?' : formatNumber(total)} ${unit}${share(done, total)}, ${rate(done, s)} ${unit}/s, ETA ${eta(done, total, s)}`,
  }, intervalSeconds);
}

/** Bytes of a download: MB, rate, ETA. */
export function byteProgress(io: Io, label: string, intervalSeconds = 5): ProgressReporter {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return reporter(io, label, {
    bar: '{mb}/{totalMb} MB | {rate} MB/s',
    fields: (done, total, s) => ({ mb: mb(done), totalMb: mb(total), rate: (done / 1e6 / Math.max(s, 1e-3)).toFixed(1) }),
    line: (done, total, s) => `${mb(done)}${total === undefined ? '' : `/${mb(total)}`} MB, ${(done / 1e6 / Math.max(s, 1e-3)).toFixed(1)} MB/s, ETA ${eta(done, total, s)}`,
  }, intervalSeconds);
}
