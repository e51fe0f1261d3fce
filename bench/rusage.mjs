// Loaded with `node --import` into a benchmarked child: reports its peak RSS and its CPU time (user + system,
// all threads, the libuv pool's included) when it exits. `--import` also runs in worker threads: only the
// main thread reports, once, for the whole process.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  process.on('exit', () => {
    const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
    process.stderr.write(`\nBENCH_MAX_RSS_KB=${maxRSS}\nBENCH_CPU_US=${userCPUTime + systemCPUTime}\n`);
  });
}
