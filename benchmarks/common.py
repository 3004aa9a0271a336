"""Helpers for the benchmark scripts: best-of-N wall time, peak memory of a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import time

# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent, so a big
# parent would inflate every child's figure.
_REPORT = """
import json
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
RESULT["peak_mb"] = int(hwm.split()[1]) / 1024
print(json.dumps(RESULT))
"""


def best_ms(fn, repeat: int = 7, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def child_peak(code: str) -> tuple[float, dict]:
    """Run ``code`` (which sets a dict RESULT) in a fresh interpreter; its peak resident memory in
    MB, measured inside the child, and RESULT."""
    out = subprocess.run([sys.executable, "-c", code + _REPORT], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result.pop("peak_mb"), result
