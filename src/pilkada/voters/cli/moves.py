"""`pilkada voters` subcommands: moves."""


def add_parsers(sub) -> dict:
    return {}
