"""`pilkada candidacy` subcommands: verfak (being built)."""


def add_parsers(sub) -> dict:
    return {}
