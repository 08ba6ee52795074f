"""Publication of the voter lists (PKPU 7/2024): DPS, DPSHP and DPT snapshots, their recap
tables (A-Rekap style) and the public responses (tanggapan) to the announced DPS.

A :class:`Snapshot` is an immutable, versioned file of a list (Parquet + CSV under
``DATA_DIR/published/<election>/<kind>/v<N>/``) with its SHA-256, also written into the
audit entry of the publication. :class:`RecapRow` holds one row per region (and TPS) per
snapshot, so pages never scan the register. :class:`DpsResponse` is one tanggapan.
See docs/publication.md.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["DpsResponse", "RecapRow", "Snapshot"]


class Snapshot(models.Model):
    """One published version of a list. Never updated after creation, never deleted."""

    class Kind(models.TextChoices):
        DPS = "dps", "DPS"
        DPSHP = "dpshp", "DPSHP"
        DPT = "dpt", "DPT"

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    # Versions count per (election, kind) across regions: v1, v2, ...
    version = models.PositiveIntegerField()
    # The region published: the election's province (KPU Provinsi) or a kab/kota.
    region_code = models.CharField(max_length=10)
    rows = models.PositiveIntegerField(default=0)
    # Paths relative to settings.DATA_DIR.
    parquet_file = models.CharField(max_length=500)
    csv_file = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the Parquet file")
    csv_sha256 = models.CharField(max_length=64)
    # The election clock's date of publication (the DPS announcement counts from it).
    published_on = models.DateField()
    published_by = models.CharField(max_length=150, blank=True)
    voting_day = models.DateField()
    # Rows per status and source, the selection rule, the audit entry's seq.
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "kind", "version"], name="voters_snapshot_version"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version} {self.region_code} ({self.rows} rows)"

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class RecapRow(models.Model):
    """The recap of one region (or TPS) in one snapshot; see engine.recap.recap_frame."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="recap_rows")
    region_code = models.CharField(max_length=13)
    level = models.CharField(max_length=10)
    parent_code = models.CharField(max_length=13, null=True, blank=True)  # noqa: DJ001
    total = models.PositiveIntegerField(default=0)
    laki_laki = models.PositiveIntegerField(default=0)
    perempuan = models.PositiveIntegerField(default=0)
    sex_unknown = models.PositiveIntegerField(default=0)
    dis_1 = models.PositiveIntegerField(default=0)
    dis_2 = models.PositiveIntegerField(default=0)
    dis_3 = models.PositiveIntegerField(default=0)
    dis_4 = models.PositiveIntegerField(default=0)
    dis_5 = models.PositiveIntegerField(default=0)
    dis_6 = models.PositiveIntegerField(default=0)
    dis_total = models.PositiveIntegerField(default=0)
    age_lt17 = models.PositiveIntegerField(default=0)
    age_17_27 = models.PositiveIntegerField(default=0)
    age_28_43 = models.PositiveIntegerField(default=0)
    age_44_59 = models.PositiveIntegerField(default=0)
    age_60p = models.PositiveIntegerField(default=0)
    age_unknown = models.PositiveIntegerField(default=0)
    age_17_40 = models.PositiveIntegerField(default=0)
    ktp_el_yes = models.PositiveIntegerField(default=0)
    ktp_el_no = models.PositiveIntegerField(default=0)
    ktp_el_unknown = models.PositiveIntegerField(default=0)
    tps_count = models.PositiveIntegerField(default=0)
    pending = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    no_tps = models.PositiveIntegerField(default=0)
    tps_over_cap = models.PositiveIntegerField(default=0)
    first_problem = models.CharField(max_length=13, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["snapshot", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "region_code"], name="voters_recap_region")
        ]
        indexes = [
            models.Index(fields=["snapshot", "parent_code"], name="voters_recap_parent"),
        ]

    def __str__(self):
        return f"{self.region_code}: {self.total}"

    @property
    def share_17_40(self) -> float | None:
        return self.age_17_40 / self.total if self.total else None


class DpsResponse(models.Model):
    """A tanggapan: a member of the public's response to the announced DPS of a kelurahan
    (PKPU 7/2024), and how PPS/KPU resolved it."""

    class Kind(models.TextChoices):
        MENINGGAL = "meninggal", _("Tidak memenuhi syarat: meninggal")
        GANDA = "ganda", _("Tidak memenuhi syarat: terdaftar ganda")
        DI_BAWAH_UMUR = "di_bawah_umur", _("Tidak memenuhi syarat: belum cukup umur")
        PINDAH = "pindah", _("Tidak memenuhi syarat: pindah domisili")
        TIDAK_DIKENAL = "tidak_dikenal", _("Tidak memenuhi syarat: tidak dikenal")
        TNI = "tni", _("Tidak memenuhi syarat: anggota TNI")
        POLRI = "polri", _("Tidak memenuhi syarat: anggota Polri")
        DATA_ERROR = "data_salah", _("Data pemilih salah")
        MISSING = "belum_terdaftar", _("Belum terdaftar (tidak ada dalam daftar)")

    class Status(models.TextChoices):
        OPEN = "open", _("Belum ditindaklanjuti")
        ACCEPTED = "accepted", _("Diterima")
        REJECTED = "rejected", _("Ditolak")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="responses")
    kelurahan_code = models.CharField(max_length=10)
    # The listed voter concerned (Voter.id; null for "missing from the list"). A plain id,
    # not a foreign key, so that set-based work on the register is never blocked by it.
    voter_id = models.BigIntegerField(null=True, blank=True)
    tps_code = models.CharField(max_length=13, blank=True)
    nomor = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    responder_name = models.CharField(max_length=150)
    responder_contact = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["election", "kelurahan_code", "status"], name="voters_resp_kel"),
        ]

    def __str__(self):
        return f"tanggapan {self.pk} {self.kind} ({self.status})"
