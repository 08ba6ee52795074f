"""`pilkada adhoc` subcommands of the members area (to be built)."""


def add_parsers(sub) -> dict:
    return {}
