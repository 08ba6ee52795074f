"""`pilkada adhoc`: the ad hoc bodies' recruitment from the command line (the same services as
the web): openings, checks, scores, ranking, seating."""

from pilkada.core.commands import AreaCommand


class Command(AreaCommand):
    cli_package = "pilkada.adhoc.cli"
    help = (
        "Ad hoc bodies: openings, applications and their checks, selection, seating.\n\n"
        "Run `pilkada adhoc SUBCOMMAND --help` for each subcommand. Every subcommand exits\n"
        "non-zero with a clear message on bad input; --json prints a machine-readable summary."
    )
