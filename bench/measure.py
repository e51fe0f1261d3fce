"""
Runs a command and reports, on its last line of standard error, the wall time, CPU time (user + system, every
thread) and peak RSS that the kernel accounted to it when it was reaped (wait4). The command's own output
passes through.

    /usr/bin/python3 bench/measure.py <command> [arguments…]
    -> BENCH_WALL_US=… BENCH_CPU_US=… BENCH_MAX_RSS_KB=…

Why not from inside the Node process (bench/rusage.mjs, still the fallback): a process can report its usage no
later than its 'exit' event, before Node tears it down (its heaps freed, its threads ended: 15-19 ms of CPU
after a 600-image ingest, unseen), and the preload itself adds ~10 ms to the start of every run. Why Python:
Node has no wait4 (nor getrusage of children), and Debian's python3 is on every machine the tests run on.
"""
import os
import subprocess
import sys
import time

start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
cpu = usage.ru_utime + usage.ru_stime
sys.stderr.write(f"\nBENCH_WALL_US={round(wall * 1e6)} BENCH_CPU_US={round(cpu * 1e6)} BENCH_MAX_RSS_KB={usage.ru_maxrss}\n")
sys.exit(child.returncode if child.returncode >= 0 else 128 - child.returncode)
