// The bench's idle breakdown (bench/idle.ts) on a scheduler listing written by hand, each idle interval's
// cause worked out from the timeline below, not from the code.
import { describe, expect, it } from 'vitest';
import { attribute, IDLE_CAUSES } from '../../bench/idle.js';

/**
 * A `perf sched timehist --state` line: the run of `task` on `cpu` from `from` to `to` ms, then `state`; it had
 * waited `delay` ms for a core before `from` (the listing's scheduling delay).
 */
const line = (from: number, to: number, cpu: number, task: string, state: string, delay = 0) =>
  `${(to / 1000).toFixed(6).padStart(15)} [${String(cpu).padStart(4, '0')}]  ${task.padEnd(30)} ${delay.toFixed(3).padStart(9)} ${delay.toFixed(3).padStart(9)} ${(to - from).toFixed(3).padStart(9)}      ${state}`;

/** The breakdown of a two-core listing of these lines, and its idle core-seconds in all. */
const breakdown = (...lines: string[]) => attribute(lines.join('\n'), 2);
const idleInAll = (b: ReturnType<typeof attribute>) => Object.values(b.idle).reduce((s, v) => s + v, 0);

// Main thread node[100], workers A (101) and B (102), a V8 helper (103), another process, two cores:
//   0–10   main runs on core 0; core 1 idle: before the worker threads ran
//  10–30   A on core 1; B 10–25 on core 0, then main 25–40
//  30–40   core 1 idle while main runs and both workers wait (S): workers out of work
//  40–45   core 0 idle, main waiting on the disk (D) until 45; A runs 40–50 on core 1 (its last run)
//  50–55   B's last run, on core 1; main runs 45–60 on core 0
//  55–65   core 1 idle after both workers ended; main's last run 60–65
const LISTING = [
  '           time    cpu  task name                       wait time  sch delay   run time  state',
  '                        [tid/pid]                          (msec)     (msec)     (msec)',
  '--------------- ------  ------------------------------  ---------  ---------  ---------  -----',
  line(0, 10, 0, 'node[100]', 'R'),
  line(0, 10, 1, '<idle>', 'R'),
  line(10, 25, 0, 'node[102/100]', 'S'),
  line(10, 30, 1, 'node[101/100]', 'S'),
  line(12, 13, 1, 'kworker/1:1H-kb[46]', 'I'),
  line(30, 40, 1, '<idle>', 'R'),
  line(25, 40, 0, 'node[100]', 'D'),
  line(40, 45, 0, '<idle>', 'R'),
  line(40, 50, 1, 'node[101/100]', 'S'),
  line(50, 55, 1, 'node[102/100]', 'S'),
  line(52, 53, 0, 'node[103/100]', 'S'),
  line(55, 65, 1, '<idle>', 'R'),
  line(45, 60, 0, 'node[100]', 'S'),
  line(60, 65, 0, 'node[100]', 'S'),
].join('\n');

describe('bench idle breakdown', () => {
  it('charges each idle interval to the phase and the threads\' states of its moment', () => {
    const b = attribute(LISTING, 2);
    expect(b.spanSeconds).toBeCloseTo(0.065, 9);
    // main 10 + 15 + 15 + 5, A 20 + 10, B 15 + 5, the helper 1 (the other process is not counted)
    expect(b.cpuSeconds).toBeCloseTo(0.096, 9);
    const [before, queued, outOfWork, mainDisk, workerDisk, other, after] = IDLE_CAUSES;
    expect(b.idle[before]).toBeCloseTo(0.010, 9);
    expect(b.idle[outOfWork]).toBeCloseTo(0.010, 9);
    expect(b.idle[mainDisk]).toBeCloseTo(0.005, 9);
    expect(b.idle[workerDisk]).toBe(0);
    expect(b.idle[queued]).toBe(0);
    expect(b.idle[other]).toBe(0);
    expect(b.idle[after]).toBeCloseTo(0.010, 9);
  });

  it('a worker blocked on a read is charged as such, not to the main thread', () => {
    const b = breakdown(
      line(0, 5, 0, 'node[7]', 'R'),
      line(5, 20, 1, 'node[8/7]', 'D'),
      line(5, 20, 0, 'node[9/7]', 'S'),
      line(20, 30, 0, '<idle>', 'R'),
      line(20, 30, 1, 'node[7]', 'S'),
      line(30, 40, 1, 'node[8/7]', 'S'),
      line(30, 40, 0, 'node[9/7]', 'S'),
      line(40, 45, 0, 'node[7]', 'S'),
    );
    expect(b.idle[IDLE_CAUSES[4]]).toBeCloseTo(0.010, 9);
    expect(idleInAll(b)).toBeCloseTo(0.010, 9);
  });

  it('a thread ready to run but queued behind the busy core is charged to the placement, whatever the others do', () => {
    // Main node[7] runs 0–5, then waits on the disk; workers 8 and 9 run 5–20. Worker 9 sleeps 20–22, is
    // woken at 22 onto core 1, where worker 8 runs 20–30, and waits there until 30 (scheduling delay 8): core 0
    // stays idle 20–30. 20–22 is main's disk wait; 22–30 the placement, although main is still in D.
    const b = breakdown(
      line(0, 5, 0, 'node[7]', 'D'),
      line(5, 20, 1, 'node[8/7]', 'R'),
      line(5, 20, 0, 'node[9/7]', 'S'),
      line(20, 30, 0, '<idle>', 'R'),
      line(20, 30, 1, 'node[8/7]', 'S'),
      line(30, 40, 1, 'node[9/7]', 'S', 8), // woken at 22, ran at 30
      line(30, 40, 0, 'node[7]', 'S'),
    );
    expect(b.idle[IDLE_CAUSES[1]]).toBeCloseTo(0.008, 9);
    expect(b.idle[IDLE_CAUSES[3]]).toBeCloseTo(0.002, 9);
    expect(idleInAll(b)).toBeCloseTo(0.010, 9);
  });
});
