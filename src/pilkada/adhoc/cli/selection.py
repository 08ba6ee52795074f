"""`pilkada adhoc` subcommands of the selection area (to be built)."""


def add_parsers(sub) -> dict:
    return {}
