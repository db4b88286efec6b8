"""Shared helpers for the benchmark scripts: repo import path, thread policy, machine-load check."""
import os
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def cpu_busy(seconds: float = 0.5) -> float:
    """Fraction of all cores busy over `seconds` (from /proc/stat); -1 where unavailable."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields), idle
    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return -1.0
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def wait_until_quiet(threshold: float = 0.15, timeout: float = 300.0, calm: int = 3) -> float:
    """Wait (up to `timeout` s) until other processes use under `threshold` of the CPU for `calm`
    one-second samples in a row; print and return the last sample.

    Other work on a 2-core machine (tests, a browser) makes torch's OpenMP threads several times slower,
    so a benchmark taken on a busy machine says little: the load is printed with the figures.
    """
    start = time.monotonic()
    streak = 0
    while True:
        busy = cpu_busy(1.0)
        streak = streak + 1 if busy <= threshold else 0
        if streak >= calm or time.monotonic() - start >= timeout:
            break
    waited = time.monotonic() - start
    note = "" if busy <= threshold else f"  WARNING: still busy after {timeout:.0f} s, figures may be inflated"
    print(f"machine load before the run: {busy:.0%} of {os.cpu_count()} cores busy (waited {waited:.0f} s){note}")
    return busy


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _all_busy_s() -> float:
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


class OtherLoad:
    """Measures how much CPU processes other than ours (and `pids`) used during a `with` block."""

    def __init__(self, pids=()):
        self.pids = [os.getpid(), *pids]
        self.fraction = -1.0

    def _own(self):
        return sum(proc_cpu_s(p) for p in self.pids)

    def __enter__(self):
        try:
            self._t0, self._all0, self._own0 = time.monotonic(), _all_busy_s(), self._own()
        except OSError:
            self._t0 = None
        return self

    def __exit__(self, *exc):
        if self._t0 is None:
            return False
        try:
            wall = time.monotonic() - self._t0
            other = (_all_busy_s() - self._all0) - (self._own() - self._own0)
            self.fraction = max(0.0, other / max(1e-9, wall * (os.cpu_count() or 1)))
        except OSError:
            pass
        print(f"other processes used {self.fraction:.0%} of the CPU during the timed part")
        return False


def quiet_run(fn, label: str, limit: float = 0.10, attempts: int = 4, pids=()):
    """Run `fn()` on a quiet machine: wait for quiet, time it under `OtherLoad`, and run it again (up to
    `attempts` times) when other processes took more than `limit` of the CPU meanwhile. Returns the
    result of the least disturbed attempt and the load it saw."""
    best = None
    for attempt in range(1, attempts + 1):
        wait_until_quiet()
        with OtherLoad(pids=pids) as load:
            result = fn()
        if best is None or load.fraction < best[1]:
            best = (result, load.fraction)
        if 0 <= load.fraction <= limit:
            break
        print(f"{label}: other processes took {load.fraction:.0%} of the CPU (limit {limit:.0%}), attempt {attempt} of {attempts}")
    if not 0 <= best[1] <= limit:
        print(f"WARNING {label}: no quiet attempt; keeping the least disturbed one ({best[1]:.0%} other load)")
    return best


def ms(fn):
    """(milliseconds, result) of one call."""
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1e3, out


def interleaved(fn_a, fn_b, repeats: int, label: str, warmup: int = 3):
    """Warm both up, then time them alternately (drifting load hits both alike) in a quiet block:
    (ms_a, ms_b) lists."""
    for _ in range(warmup):  # allocator, FFT plans, first-call paths
        fn_a()
        fn_b()

    def compare():
        times_a, times_b = [], []
        for _ in range(repeats):
            times_a.append(ms(fn_a)[0])
            times_b.append(ms(fn_b)[0])
        return times_a, times_b

    return quiet_run(compare, label)[0]


def bandwidth_change_ms(kde, bandwidths, label: str, warmup: int = 3) -> list:
    """Times of `kde.evaluate(h)` for each new h on a KDE whose bins are already cached."""
    for h in bandwidths[:warmup]:
        kde.evaluate(h * 1.01, "gaussian")

    def run():
        return [ms(lambda h=h: kde.evaluate(h, "gaussian"))[0] for h in bandwidths]

    return quiet_run(run, label)[0]
