"""Progress of a running job, in a file beside the database.

A job that loads millions of rows runs inside one transaction (a killed job must leave the
database as it was); on SQLite that transaction holds the only write lock, so progress
cannot be written to the database while it runs. A small JSON file, replaced atomically,
can be read by the web page and the command line at any time, on any database.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings


@dataclass
class Progress:
    done: int = 0
    total: int | None = None
    unit: str = ""
    message: str = ""
    updated: float = 0.0

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))


def progress_path(job_id) -> Path:
    return settings.DATA_DIR / "jobs" / f"{job_id}.json"


def read_progress(job_id) -> Progress:
    try:
        data = json.loads(progress_path(job_id).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return Progress()
    return Progress(**data)


class ProgressWriter:
    """The callback a job's function receives: ``progress(done, total=None, message="")``.

    Writes at most every ``interval`` seconds (and always the last call before ``close``),
    so a tight loop can report freely.
    """

    def __init__(self, job_id, *, unit: str = "", interval: float = 0.5):
        self.path = progress_path(job_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.unit = unit
        self.interval = interval
        self.state = Progress(unit=unit)
        self._last_write = 0.0

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        self.state.done = done
        if total is not None:
            self.state.total = total
        if message:
            self.state.message = message
        now = time.monotonic()
        if now - self._last_write >= self.interval:
            self.flush()
            self._last_write = now

    def flush(self) -> None:
        self.state.updated = time.time()
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self.state)))
        os.replace(tmp, self.path)
