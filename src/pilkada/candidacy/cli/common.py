"""What every `pilkada candidacy` subcommand shares: exit codes, the election and the
acting user."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from pilkada.schedule import selectors as schedule_selectors
from pilkada.schedule.models import Election

EXIT_BAD_FILE = 1  # the file cannot be used (unreadable, empty, missing columns ...)
EXIT_USAGE = 2  # bad usage (argparse also exits 2)
EXIT_REFUSED = 3  # the stage window is closed, no permission, or the state forbids it


def election_of(slug: str | None) -> Election:
    try:
        return schedule_selectors.get_election(slug=slug)
    except (Election.DoesNotExist, Election.MultipleObjectsReturned) as exc:
        raise CommandError(str(exc), returncode=EXIT_USAGE) from None


def user_of(username: str | None):
    if not username:
        return None
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"no user {username!r}", returncode=EXIT_USAGE) from None
