"""`pilkada adhoc` subcommands of the applications area (to be built)."""


def add_parsers(sub) -> dict:
    return {}
