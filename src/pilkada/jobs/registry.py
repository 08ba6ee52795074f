"""Which function runs each kind of job. Apps register their kinds at import time:

    @register("voters.import", unit="baris")
    def import_job(*, job, progress, path, kind, election): ...

The function receives the Job, a progress callback and the job's params as keywords, and
returns a JSON-serialisable result.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    name: str
    function: Callable
    unit: str = ""
    action: str = ""  # the permission action needed to start it
    back: Callable | None = None  # back(job) -> the URL of the page the job was started from


KINDS: dict[str, JobKind] = {}


def register(name: str, *, unit: str = "", action: str = "", back: Callable | None = None):
    def decorator(function):
        KINDS[name] = JobKind(name=name, function=function, unit=unit, action=action, back=back)
        return function

    return decorator


def get_kind(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown job kind {name!r}; known: {', '.join(sorted(KINDS))}") from None
