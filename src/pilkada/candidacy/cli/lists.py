"""`pilkada candidacy` subcommands: lists (being built)."""


def add_parsers(sub) -> dict:
    return {}
