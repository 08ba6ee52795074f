"""`pilkada voters` subcommands: tps."""


def add_parsers(sub) -> dict:
    return {}
