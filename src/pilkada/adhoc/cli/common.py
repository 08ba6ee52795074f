"""What every `pilkada adhoc` subcommand shares: the exit codes, the election and the acting
user (those of `pilkada candidacy`)."""

from pilkada.candidacy.cli.common import (
    EXIT_BAD_FILE,
    EXIT_REFUSED,
    EXIT_USAGE,
    election_of,
    user_of,
)

__all__ = ["EXIT_BAD_FILE", "EXIT_REFUSED", "EXIT_USAGE", "election_of", "user_of"]
