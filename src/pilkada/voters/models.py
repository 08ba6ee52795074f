"""The voter register. This module starts with what the foundation needs (the DP4 rows of
an election and voter counts per region); the voter-register issue builds DPT on it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One imported file: which election, what kind, which bytes (sha256), how many rows."""

    class Kind(models.TextChoices):
        DP4 = "dp4", "DP4"
        DPT_LAMA = "dpt-lama", _("DPT lama")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.kind} {self.file_name} ({self.rows} rows)"


class Voter(models.Model):
    """A person on a voter list of an election, as the DP4 file gives them."""

    class Sex(models.TextChoices):
        L = "L", _("Laki-laki")
        P = "P", _("Perempuan")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT)
    line = models.PositiveIntegerField(help_text="line in the imported file")
    nkk = models.CharField(max_length=32)
    nik = models.CharField(max_length=32, db_index=True, help_text="as given; may be damaged")
    nama = models.CharField(max_length=200)
    tempat_lahir = models.CharField(max_length=100, blank=True)
    tanggal_lahir = models.DateField(null=True)
    jenis_kelamin = models.CharField(max_length=1, choices=Sex.choices)
    status_kawin = models.CharField(max_length=1, blank=True)
    alamat = models.CharField(max_length=255, blank=True)
    rt = models.CharField(max_length=3, blank=True)
    rw = models.CharField(max_length=3, blank=True)
    kelurahan_code = models.CharField(max_length=10, db_index=True)
    disabilitas = models.PositiveSmallIntegerField(default=0)
    ktp_el = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["election", "kelurahan_code"])]

    def __str__(self):
        return f"{self.nama} ({self.kelurahan_code})"


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
