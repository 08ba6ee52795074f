"""Supporter lists of independent pairs (B.1.1-KWK) and one row per supporter listed.

A pair submits its supporters in round 1 (penyerahan) and, when the verified total or spread
falls short, replacements in round 2 (perbaikan). Each upload is a :class:`SupportBatch`;
each row of it a :class:`Supporter`, loaded set-based (never row by row through the ORM).

A supporter passes through two checks:

* **verifikasi administrasi** (vermin, the system against the register and the lists):
  ``vermin_status`` ms / tms (with one ``vermin_reason``) / held (listed for another pair
  too: held for verfak, where the supporter chooses one);
* **verifikasi faktual** (verfak, the PPS meets the supporter): ``verfak_status`` ms / tms,
  the outcomes in :class:`~pilkada.candidacy.models.verfak.FactualCheck`.

``status`` is the supporter's current overall status (pending, ms, tms), kept by the services
with :func:`pilkada.candidacy.rules.status_dukungan` so that the counts per area are one
grouped query.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["SupportBatch", "Supporter"]


class SupportBatch(models.Model):
    """One uploaded supporter file of a pair, with its reconciled counts."""

    class Round(models.IntegerChoices):
        SUBMISSION = 1, _("Penyerahan dukungan")
        PERBAIKAN = 2, _("Perbaikan dukungan")

    class State(models.TextChoices):
        IMPORTED = "imported", _("Diunggah")
        VERIFIED = "verified", _("Verifikasi administrasi selesai")
        WITHDRAWN = "withdrawn", _("Ditarik")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    pair = models.ForeignKey("candidacy.Pair", on_delete=models.PROTECT, related_name="batches")
    round = models.PositiveSmallIntegerField(choices=Round.choices, default=Round.SUBMISSION)
    state = models.CharField(max_length=10, choices=State.choices, default=State.IMPORTED)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=10, blank=True, default="")
    read = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    blank = models.PositiveIntegerField(default=0)
    repeated_headers = models.PositiveIntegerField(default=0)
    rejects_file = models.CharField(max_length=500, blank=True, default="")
    uploaded_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Counts per status and reason after verifikasi administrasi ({"ms": n, "tms": {...}}).
    verification = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["pair", "round", "id"]

    def __str__(self):
        return f"{self.pair_id} round {self.round}: {self.file_name}"


class Supporter(models.Model):
    """One row of a supporter list: a person listed as supporting a pair."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Belum diverifikasi")
        MS = "ms", _("Memenuhi syarat")
        TMS = "tms", _("Tidak memenuhi syarat")

    class VerminStatus(models.TextChoices):
        PENDING = "pending", _("Belum diverifikasi")
        MS = "ms", _("Memenuhi syarat")
        TMS = "tms", _("Tidak memenuhi syarat")
        HELD = "held", _("Ganda dengan pasangan lain: ditentukan saat verifikasi faktual")

    class VerfakStatus(models.TextChoices):
        NOT_APPLICABLE = "na", _("Tidak diverifikasi faktual")
        PENDING = "pending", _("Menunggu verifikasi faktual")
        MS = "ms", _("Memenuhi syarat")
        TMS = "tms", _("Tidak memenuhi syarat")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT, db_index=False)
    pair = models.ForeignKey("candidacy.Pair", on_delete=models.PROTECT, db_index=False)
    batch = models.ForeignKey(SupportBatch, on_delete=models.PROTECT, db_index=False)
    round = models.PositiveSmallIntegerField(default=1)
    line = models.PositiveIntegerField(help_text="physical line in the uploaded file")
    nik = models.CharField(max_length=32, help_text="16 digits when valid; else as given")
    nama = models.CharField(max_length=200)
    tempat_lahir = models.CharField(max_length=100, blank=True, default="")
    tanggal_lahir = models.DateField(null=True, blank=True)
    jenis_kelamin = models.CharField(max_length=1, blank=True, default="")
    alamat = models.CharField(max_length=255, blank=True, default="")
    rt = models.CharField(max_length=8, blank=True, default="")
    rw = models.CharField(max_length=8, blank=True, default="")
    kelurahan_code = models.CharField(max_length=20, blank=True, default="", help_text="as given")
    pekerjaan = models.CharField(max_length=100, blank=True, default="")
    quality_flags = models.CharField(max_length=300, blank=True, default="")
    # The kelurahan the supporter is counted in (and verified by): the register's when the
    # NIK was found there, else the file's when it is a known kelurahan, else "".
    region_code = models.CharField(max_length=10, blank=True, default="")
    register_voter_id = models.BigIntegerField(null=True, blank=True)
    vermin_status = models.CharField(
        max_length=8, choices=VerminStatus.choices, default=VerminStatus.PENDING
    )
    vermin_reason = models.CharField(max_length=30, blank=True, default="")
    verfak_status = models.CharField(
        max_length=8, choices=VerfakStatus.choices, default=VerfakStatus.NOT_APPLICABLE
    )
    verfak_outcome = models.CharField(max_length=30, blank=True, default="")
    objected = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)

    class Meta:
        indexes = [
            # cek NIK dukungan and the double-listing checks.
            models.Index(fields=["election", "nik"], name="candidacy_supporter_nik"),
            # Results per area and the PPS's verfak list of its kelurahan.
            models.Index(fields=["pair", "region_code"], name="candidacy_supporter_area"),
            models.Index(fields=["batch", "line"], name="candidacy_supporter_line"),
        ]

    def __str__(self):
        return f"{self.pair_id}:{self.line}"
