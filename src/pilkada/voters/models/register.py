"""The voter register: imported files (DP4, the previous DPT), the people on the lists of an
election, and voter counts per region.

Rows arrive in bulk through :func:`pilkada.voters.services.import_voter_file` (set-based:
COPY / executemany, never the ORM row by row). A row that is a person with a damaged field
is kept, with its data-quality flags in ``Voter.quality_flags`` (codes of
:class:`pilkada.engine.dp4_import.Flag`), and is routed to coklit for correction.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One imported file: which election, what kind, which bytes (sha256), how many rows.

    An election holds at most one batch of each kind: importing a file again for the same
    election and kind replaces the previous batch (see ``import_voter_file``); the audit log
    keeps what was replaced.
    """

    class Kind(models.TextChoices):
        DP4 = "dp4", "DP4"
        DPT_LAMA = "dpt-lama", _("DPT lama")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    # Rows loaded into the register: accepted + flagged.
    rows = models.PositiveIntegerField(default=0)
    # How the file reconciles: read = accepted + flagged + rejected (records after the
    # header); blank lines and repeated header rows are counted apart from them.
    read = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    blank = models.PositiveIntegerField(default=0)
    repeated_headers = models.PositiveIntegerField(default=0)
    file_format = models.CharField(max_length=10, blank=True)  # csv, xlsx, parquet
    # The rejects CSV (line,column,reason_code,reason,raw), relative to settings.DATA_DIR.
    rejects_file = models.CharField(max_length=500, blank=True)
    # Counts per flag and per reject reason, the encoding, delimiter, columns found, notes.
    report = models.JSONField(default=dict, blank=True)
    imported_by = models.CharField(max_length=150, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "kind"], name="voters_batch_one_per_kind")
        ]

    def __str__(self):
        return f"{self.kind} {self.file_name} ({self.rows} rows)"


class Voter(models.Model):
    """A person on a list of an election: a DP4 row, a row of the previous DPT (the reference
    the DP4 is synchronised against), or a new voter found during coklit.

    Identity columns keep what the file gave when it cannot be cleaned (``nik``, ``nkk``,
    ``kelurahan_code``); the row then carries a flag saying what is wrong.
    """

    class Source(models.TextChoices):
        DP4 = "dp4", "DP4"
        DPT_LAMA = "dpt-lama", _("DPT lama")
        COKLIT = "coklit", _("Pemilih baru (coklit)")

    class Sex(models.TextChoices):
        L = "L", _("Laki-laki")
        P = "P", _("Perempuan")

    class StatusKawin(models.TextChoices):
        B = "B", _("Belum kawin")
        S = "S", _("Kawin")
        P = "P", _("Pernah kawin")

    class Status(models.TextChoices):
        PENDING = "pending", _("Belum diperiksa")
        MS = "ms", _("Memenuhi syarat")
        TMS = "tms", _("Tidak memenuhi syarat")

    class TmsCode(models.IntegerChoices):
        MENINGGAL = 1, _("Meninggal")
        GANDA = 2, _("Ganda")
        DI_BAWAH_UMUR = 3, _("Di bawah umur")
        PINDAH_DOMISILI = 4, _("Pindah domisili")
        TIDAK_DIKENAL = 5, _("Tidak dikenal")
        TNI = 6, _("TNI")
        POLRI = 7, _("Polri")
        SALAH_TPS = 8, _("Salah penempatan TPS")

    # The composite index (election, kelurahan_code) serves election lookups; the batch
    # column is only used to replace a whole batch, a rare full scan.
    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT, db_index=False)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DP4)
    line = models.PositiveIntegerField(
        null=True, blank=True, help_text="line in the imported file (sheet row for XLSX)"
    )
    nkk = models.CharField(max_length=32, help_text="16 digits when valid; else as given")
    nik = models.CharField(max_length=32, help_text="16 digits when valid; else as given")
    nama = models.CharField(max_length=200)
    tempat_lahir = models.CharField(max_length=100, blank=True)
    tanggal_lahir = models.DateField(null=True, blank=True)
    # Blank when the file's value was not a sex code (the row is flagged).
    jenis_kelamin = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    status_kawin = models.CharField(max_length=1, choices=StatusKawin.choices, blank=True)
    alamat = models.CharField(max_length=255, blank=True)
    rt = models.CharField(max_length=8, blank=True)
    rw = models.CharField(max_length=8, blank=True)
    # Kemendagri code without dots (10 digits); other values only on flagged rows.
    kelurahan_code = models.CharField(max_length=20)
    # 0 none, 1 fisik, 2 intelektual, 3 mental, 4 wicara, 5 rungu, 6 netra; null: not given.
    disabilitas = models.PositiveSmallIntegerField(null=True, blank=True)
    # null: not given (or not readable: the row is flagged).
    ktp_el = models.BooleanField(null=True, blank=True)
    # Comma-separated data-quality flag codes (engine.dp4_import.Flag), empty when clean.
    quality_flags = models.CharField(max_length=500, blank=True, default="", db_default="")
    # Eligibility / coklit outcome.
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING, db_default="pending"
    )
    tms_code = models.PositiveSmallIntegerField(choices=TmsCode.choices, null=True, blank=True)
    tms_note = models.TextField(blank=True, default="", db_default="")
    # The TPS (13-digit code) once TPS formation has run; null: not assigned yet.
    tps_code = models.CharField(max_length=13, null=True, blank=True)  # noqa: DJ001

    class Meta:
        # Meta indexes rather than db_index: on PostgreSQL db_index on a CharField adds a
        # second, LIKE-pattern index that no query here needs and every load would pay for.
        indexes = [
            models.Index(fields=["election", "kelurahan_code"], name="voters_elec_kel"),
            models.Index(fields=["nik"], name="voters_nik"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="tms", tms_code__gte=1, tms_code__lte=8)
                    | (~Q(status="tms") & Q(tms_code__isnull=True))
                ),
                name="voters_tms_code_iff_tms",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "ms", "tms"]), name="voters_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.nama} ({self.kelurahan_code})"

    @property
    def flags(self) -> list[str]:
        return [f for f in self.quality_flags.split(",") if f]

    @staticmethod
    def flag_q(code: str) -> Q:
        """Rows carrying the flag ``code`` (the column is a comma-separated list)."""
        return (
            Q(quality_flags=code)
            | Q(quality_flags__startswith=f"{code},")
            | Q(quality_flags__endswith=f",{code}")
            | Q(quality_flags__contains=f",{code},")
        )


class RegionVoterCount(models.Model):
    """Voters per region of an election, at every level, refreshed set-based after a load.

    Pages read this table instead of counting millions of rows per request.
    """

    election = models.ForeignKey("schedule.Election", on_delete=models.CASCADE)
    region_code = models.CharField(max_length=13)
    total = models.PositiveIntegerField(default=0)
    laki_laki = models.PositiveIntegerField(default=0)
    perempuan = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "region_code"], name="uniq_count_region")
        ]

    def __str__(self):
        return f"{self.region_code}: {self.total}"
