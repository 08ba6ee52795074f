"""`pilkada candidacy` subcommands: support (being built)."""


def add_parsers(sub) -> dict:
    return {}
