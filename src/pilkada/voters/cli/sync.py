"""`pilkada voters` subcommands: sync."""


def add_parsers(sub) -> dict:
    return {}
