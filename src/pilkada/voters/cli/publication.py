"""`pilkada voters` subcommands: publication."""


def add_parsers(sub) -> dict:
    return {}
