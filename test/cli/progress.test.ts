// Progress lines: an ETA only once there is enough to go on, nuclei counted, and the last line at 100 %.
import { describe, expect, it } from 'vitest';
import { eta, progressReporter } from '../../src/cli/progress.js';
import { captureIo } from '../helpers/io.js';

describe('progress', () => {
  it('gives no ETA from the first images (start-up dominates them), then the mean rate so far', () => {
    expect(eta(1, 2656, 0.02)).toBe('…'); // 20 ms for the first image would say 53 s, or 2,638 s after a slow start
    expect(eta(10, 2656, 0.9)).toBe('…'); // under a second of work
    expect(eta(19, 2000, 2)).toBe('…'); // under 1 % done
    expect(eta(500, 2000, 2)).toBe('6 s');
    expect(eta(100, 10000, 10)).toBe('17 min');
    expect(eta(2000, 2000, 9)).toBe('0 s');
    expect(eta(5, undefined, 9)).toBe('…');
  });

  it('plain lines name the nuclei so far', () => {
    const io = captureIo();
    const p = progressReporter(io, 'verify', 0);
    p.update(3, 10, { nuclei: 1234 });
    p.update(10, 10, { nuclei: 5678 });
    expect(io.err()).toMatch(/^verify: 3\/10 images \(30\.0%\), 1,234 nuclei, \d+ img\/s, ETA …\nverify: 10\/10 images \(100\.0%\), 5,678 nuclei, \d+ img\/s, ETA 0 s\n$/);
  });
});
