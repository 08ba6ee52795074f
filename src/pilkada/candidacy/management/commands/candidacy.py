"""`pilkada candidacy`: candidate pairs, supporter lists and their verification from the
command line (the same services as the web)."""

from pilkada.core.commands import AreaCommand


class Command(AreaCommand):
    cli_package = "pilkada.candidacy.cli"
    help = (
        "Candidacy: candidate pairs, independent support and its verification.\n\n"
        "Run `pilkada candidacy SUBCOMMAND --help` for each subcommand. Every subcommand exits\n"
        "non-zero with a clear message on bad input; --json prints a machine-readable summary."
    )
