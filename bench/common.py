"""What the benchmarks share (each script runs as `python bench/NAME.py`, so this module is
importable as `common`)."""

import os
import platform
from pathlib import Path


def machine_info(**versions: str) -> dict:
    """The machine a figure was measured on: cores, CPU, memory, Python, and the versions
    of the libraries the benchmark names."""
    info = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        **versions,
        "platform": platform.platform(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info
