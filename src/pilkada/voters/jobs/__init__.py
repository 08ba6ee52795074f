"""Background job kinds of the voter register (found by the jobs app's autodiscovery of
``<app>.jobs``), one module per part of the flow."""

from . import duplicates, imports, publication, sync, tps  # noqa: F401
