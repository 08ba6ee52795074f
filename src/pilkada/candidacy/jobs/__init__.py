"""Background job kinds of candidacy (found by the jobs app's autodiscovery of
``<app>.jobs``), one module per part."""

from . import support  # noqa: F401
