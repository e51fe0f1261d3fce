/**
 * Progress for long work: a live bar on a terminal, a plain line every few seconds otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';
import type { Io } from './io.js';

export interface ProgressReporter {
  update(done: number, total: number, extra: { nuclei: number; seconds: number }): void;
  stop(): void;
}

export function progressReporter(io: Io, label: string, intervalSeconds = 5): ProgressReporter {
  if (io.stderr.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} images | {rate} img/s | {nuclei} nuclei | ETA {eta_formatted}`,
        stream: io.stderr as NodeJS.WritableStream,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, { nuclei, seconds }) {
        if (!started) {
          bar.start(total, 0, { rate: '0', nuclei: 0 });
          started = true;
        }
        bar.update(done, { rate: (done / Math.max(seconds, 1e-3)).toFixed(0), nuclei });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = -Infinity;
  return {
    update(done, total, { nuclei, seconds }) {
      if (seconds - last < intervalSeconds && done !== total) return;
      last = seconds;
      const rate = done / Math.max(seconds, 1e-3);
      const eta = rate > 0 ? (total - done) / rate : 0;
      io.stderr.write(`${label}: ${done}/${total} images (${((100 * done) / total).toFixed(1)}%), ${nuclei} nuclei, ${rate.toFixed(0)} img/s, ETA ${eta.toFixed(0)} s\n`);
    },
    stop() {},
  };
}

/** Progress of a download: bytes, rate and ETA (a live bar on a terminal, a line every few seconds otherwise). */
export function byteProgress(io: Io, label: string, intervalSeconds = 5) {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  const started = performance.now();
  if (io.stderr.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {mb}/{totalMb} MB | {rate} MB/s | ETA {eta_formatted}`, stream: io.stderr as NodeJS.WritableStream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update(received: number, total: number | undefined) {
        const t = total ?? received;
        if (!startedBar) {
          bar.start(t, 0, { mb: '0', totalMb: mb(t), rate: '0' });
          startedBar = true;
        }
        bar.setTotal(t);
        bar.update(received, { mb: mb(received), totalMb: mb(t), rate: (received / 1e6 / Math.max((performance.now() - started) / 1000, 1e-3)).toFixed(1) });
      },
      stop() {
        if (startedBar) bar.stop();
      },
    };
  }
  let last = -Infinity;
  return {
    update(received: number, total: number | undefined) {
      const seconds = (performance.now() - started) / 1000;
      if (seconds - last < intervalSeconds && received !== total) return;
      last = seconds;
      const rate = received / Math.max(seconds, 1e-3);
      const eta = total === undefined || rate === 0 ? '?' : ((total - received) / rate).toFixed(0);
      io.stderr.write(`${label}: ${mb(received)}${total === undefined ? '' : `/${mb(total)}`} MB, ${(rate / 1e6).toFixed(1)} MB/s, ETA ${eta} s\n`);
    },
    stop() {},
  };
}
