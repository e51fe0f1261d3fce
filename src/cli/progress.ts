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
