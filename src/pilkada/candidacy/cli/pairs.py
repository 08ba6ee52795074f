"""`pilkada candidacy` subcommands: pairs (being built)."""


def add_parsers(sub) -> dict:
    return {}
