"""coklit models of the voter register: what each Pantarlih (or PPS) recorded, mark by mark.

The Voter row holds the latest outcome (``status``, ``tms_code``, ``tms_note`` and the
corrected data); :class:`CoklitRecord` keeps every mark, in order, with the old and new
values, so a re-mark never loses what was recorded before ("latest wins, history kept").
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["CoklitRecord"]


class CoklitRecord(models.Model):
    """One coklit mark on one voter (PKPU 7/2024: pencocokan dan penelitian)."""

    class Kind(models.TextChoices):
        MS = "ms", _("Memenuhi syarat")
        TMS = "tms", _("Tidak memenuhi syarat")
        CHANGE = "change", _("Perubahan data")
        MOVE = "move", _("Salah penempatan TPS (pindah TPS)")
        NEW = "new", _("Pemilih baru")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT, db_index=False)
    # PROTECT: a voter with coklit history is never deleted (an import refuses to replace a
    # batch with coklit work on it).
    voter = models.ForeignKey(
        "voters.Voter", on_delete=models.PROTECT, related_name="coklit_records"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Where the mark was made: the voter's TPS (and kelurahan) before the mark.
    tps_code = models.CharField(max_length=13, blank=True)
    kelurahan_code = models.CharField(max_length=20, blank=True)
    tms_code = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    # The fields the mark changed: old and new values (JSON-ready: dates as ISO text).
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    actor = models.CharField(max_length=150)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["election", "tps_code"], name="voters_coklit_elec_tps")]

    def __str__(self):
        return f"{self.kind} voter {self.voter_id} at {self.tps_code}"
