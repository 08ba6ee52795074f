"""The DP4 synchronised with the previous DPT (PKPU 7/2024): which DP4 rows are people
already on the previous DPT (found by NIK or by name and birth date), which are new voters
(and among them those who turn 17 by voting day), and which previous voters are missing
from the DP4 (for coklit to follow up), with counts per region.

Written set-based by :func:`pilkada.voters.services.sync.synchronise`; each run replaces
the previous one's rows. Voters are referenced without a database constraint, like the
duplicates tables (see :mod:`.duplicates`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["SyncMatch", "SyncRegionCount", "SyncRun"]


class SyncRun(models.Model):
    """One synchronisation of an election's DP4 against its previous DPT."""

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    started_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(null=True, blank=True)
    dp4_rows = models.PositiveIntegerField(default=0)
    previous_rows = models.PositiveIntegerField(default=0)
    found_by_nik = models.PositiveIntegerField(default=0)
    found_by_fuzzy = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    new_turning_17 = models.PositiveIntegerField(default=0)
    previous_found = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    # The rule, the dates used and the engine's statistics.
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"sync run {self.pk}"

    @property
    def reconciles(self) -> bool:
        return (
            self.dp4_rows == self.found_by_nik + self.found_by_fuzzy + self.new
            and self.previous_rows == self.previous_found + self.missing
        )


class SyncMatch(models.Model):
    """The outcome for one voter row, keyed by the voter: a DP4 row (found by NIK, found by
    fuzzy match, or new) or a previous-DPT row (found, or missing from the DP4)."""

    class Method(models.TextChoices):
        NIK = "nik", _("Ditemukan (NIK)")
        FUZZY = "fuzzy", _("Ditemukan (nama dan tanggal lahir)")
        NEW = "new", _("Pemilih baru")
        FOUND = "found", _("Ada di DP4")
        MISSING = "missing", _("Tidak ada di DP4")

    voter = models.OneToOneField(
        "voters.Voter",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT, db_index=False)
    run = models.ForeignKey(SyncRun, on_delete=models.PROTECT, db_index=False)
    is_previous = models.BooleanField()  # the row is on the previous DPT (dpt-lama)
    method = models.CharField(max_length=8, choices=Method.choices)
    # The other side's voter id: the previous-DPT row a DP4 row was found as (lowest id when
    # several previous rows share the NIK), or the DP4 row that found a previous row.
    matched_voter_id = models.BigIntegerField(null=True)
    turns_17 = models.BooleanField(default=False)
    kelurahan_code = models.CharField(max_length=20)

    class Meta:
        indexes = [
            models.Index(
                fields=["election", "method", "kelurahan_code"], name="voters_sync_method_kel"
            ),
        ]

    def __str__(self):
        return f"voter {self.voter_id}: {self.method}"


class SyncRegionCount(models.Model):
    """Counts of the last synchronisation per region, at every level (kab/kota, kecamatan,
    kelurahan and the province). DP4 rows = found by NIK + found by fuzzy + new; previous
    rows = previous found + missing, at every level."""

    election = models.ForeignKey("schedule.Election", on_delete=models.CASCADE)
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="counts")
    region_code = models.CharField(max_length=20)
    dp4_rows = models.PositiveIntegerField(default=0)
    found_by_nik = models.PositiveIntegerField(default=0)
    found_by_fuzzy = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    new_turning_17 = models.PositiveIntegerField(default=0)
    previous_rows = models.PositiveIntegerField(default=0)
    previous_found = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["region_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "region_code"], name="voters_sync_count_region")
        ]

    def __str__(self):
        return f"{self.region_code}: {self.dp4_rows} DP4, {self.missing} missing"
