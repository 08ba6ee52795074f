"""Subcommands of `pilkada adhoc`, one module per part.

Each module defines ``add_parsers(sub) -> dict[str, handler]`` (as ``pilkada.candidacy.cli``):
it adds its subparsers to ``sub`` and returns, per subcommand name, a
``handler(command, options)``. Handlers only parse input and call services and selectors.
"""

AREAS = ("openings", "applications", "selection", "members")
