"""Subcommands of `pilkada voters`, one module per part of the flow.

Each module defines ``add_parsers(sub) -> dict[str, handler]``: it adds its subparsers to
``sub`` (the argparse subparsers of `pilkada voters`) and returns, per subcommand name, a
``handler(command, options)`` that runs it (``command`` is the management command: use its
``stdout``/``stderr``/``style`` and raise ``CommandError`` with a ``returncode``). Handlers
only parse input and call the app's services and selectors.
"""

AREAS = (
    "eligibility",
    "lookup",
    "duplicates",
    "sync",
    "coklit",
    "tps",
    "publication",
    "dukcapil",
    "moves",
)
