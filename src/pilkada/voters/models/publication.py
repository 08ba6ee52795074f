"""publication models of the voter register (see the package docstring)."""

__all__: list[str] = []
