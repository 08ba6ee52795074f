"""dukcapil: KTP-el issuance for voters without one (issue 3 part 9).

Dukcapil (the civil registry) prints the KTP-el blanks for voters who have none before
voting day. When a card is issued, ``Voter.ktp_el`` becomes true and one
:class:`KtpElIssuance` records who marked it, when, and what the voter's status was.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["KtpElIssuance"]


class KtpElIssuance(models.Model):
    """One KTP-el card issued to a voter of an election (at most one record per voter).

    The voter is referenced without a database constraint: a DP4 batch that is replaced
    deletes its rows set-based, and this record (with its audit entry) stays as the trace
    of what Dukcapil did.
    """

    class Via(models.TextChoices):
        WEB = "web", _("Halaman web")
        CSV = "csv", _("Berkas CSV")
        CLI = "cli", _("Baris perintah")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT, db_index=False)
    voter = models.ForeignKey(
        "voters.Voter",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The voter's kelurahan when the card was issued: counts per region without a join.
    kelurahan_code = models.CharField(max_length=20)
    # Voter.ktp_el before: False (no card) or None (unknown).
    previous = models.BooleanField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    issued_by_name = models.CharField(max_length=150)
    issued_at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=3, choices=Via.choices, default=Via.WEB)

    class Meta:
        indexes = [
            models.Index(fields=["election", "kelurahan_code"], name="voters_ktpel_elec_kel"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["voter"], name="voters_ktpel_one_per_voter"),
        ]

    def __str__(self):
        return f"KTP-el {self.voter_id} ({self.issued_at:%Y-%m-%d})"
