"""`pilkada candidacy` subcommands: oversight (being built)."""


def add_parsers(sub) -> dict:
    return {}
