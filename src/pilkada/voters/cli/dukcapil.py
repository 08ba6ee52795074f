"""`pilkada voters` subcommands: dukcapil."""


def add_parsers(sub) -> dict:
    return {}
