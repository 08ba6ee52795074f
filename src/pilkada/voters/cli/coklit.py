"""`pilkada voters` subcommands: coklit."""


def add_parsers(sub) -> dict:
    return {}
