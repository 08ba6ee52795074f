"""`pilkada voters` subcommands: duplicates."""


def add_parsers(sub) -> dict:
    return {}
