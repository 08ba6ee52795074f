"""Subcommands of `pilkada candidacy`, one module per part.

Each module defines ``add_parsers(sub) -> dict[str, handler]`` (see
``pilkada.voters.cli``): it adds its subparsers to ``sub`` and returns, per subcommand name,
a ``handler(command, options)``. Handlers only parse input and call services and selectors.
"""

AREAS = ("pairs", "lists", "support", "verfak", "cek_nik", "oversight")
