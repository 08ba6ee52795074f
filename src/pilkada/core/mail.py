"""Mail the system sends to citizens, applicants and new members: only once the transaction
that made the news has committed (never for a rolled-back one), and a mail that fails never
undoes that work -- it is logged without the address and the page says so."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

__all__ = ["mail_enabled", "send_after_commit"]


def mail_enabled() -> bool:
    """Whether a mail service is configured (without ``PILKADA_EMAIL_HOST`` none is)."""
    return settings.EMAIL_BACKEND != "django.core.mail.backends.dummy.EmailBackend"


def send_after_commit(*, subject: str, text: str, to: str, record, what: str, log=None) -> None:
    """Send ``text`` to ``to`` after the current transaction commits. ``record.mail`` says how
    it went: "pending" until then, "sent" or "failed" after; ``what`` names the mail in the
    log line of a failure (``log``: the caller's logger)."""
    logger = log or logging.getLogger(__name__)
    record.mail = "pending"

    def send():
        try:
            send_mail(subject, text, None, [to], fail_silently=False)
        except Exception as exc:  # a lost mail must not undo what was recorded
            logger.warning("%s mail failed: %s", what, type(exc).__name__)
            record.mail = "failed"
        else:
            record.mail = "sent"

    transaction.on_commit(send)
