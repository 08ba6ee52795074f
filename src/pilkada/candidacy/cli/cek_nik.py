"""`pilkada candidacy` subcommands: cek_nik (being built)."""


def add_parsers(sub) -> dict:
    return {}
