"""Writes of the voter register, one module per part of the flow; each write records its
audit entry in the same transaction. The import services are re-exported here."""

from .imports import *  # noqa: F403
from .imports import file_sha256, job_progress  # noqa: F401
