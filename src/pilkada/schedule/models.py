"""Elections and their stage schedule (tahapan).

The windows come from data (``schedule/data/*.json``, PKPU 2/2024 for Pilkada 2024), not
code; KPU Provinsi adjusts a window with ``update_stage``. Every later module asks
:mod:`pilkada.schedule.gate` whether its action is open. See docs/schedule.md.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Election(models.Model):
    class Kind(models.TextChoices):
        GUBERNUR = "gubernur", _("Gubernur dan Wakil Gubernur")
        BUPATI = "bupati", _("Bupati dan Wakil Bupati")
        WALIKOTA = "walikota", _("Wali Kota dan Wakil Wali Kota")

    slug = models.SlugField(_("kode pemilihan"), max_length=60, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)
    # The province (gubernur) or kab/kota (bupati, walikota), KPU style without dots.
    region_code = models.CharField(_("kode wilayah"), max_length=4, db_index=True)
    voting_day = models.DateField(_("hari pemungutan suara"))
    year = models.PositiveSmallIntegerField(_("tahun"))
    # The template the stages were loaded from, e.g. "pilkada2024".
    schedule = models.CharField(_("jadwal"), max_length=60)

    class Meta:
        verbose_name = _("pemilihan")
        verbose_name_plural = _("pemilihan")
        ordering = ["-voting_day", "slug"]

    def __str__(self):
        return self.name


class Stage(models.Model):
    """A stage (tahap) or sub-stage and its window, inclusive of both days (Asia/Jakarta)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="stages")
    code = models.SlugField(_("kode tahap"), max_length=60)
    name = models.CharField(_("nama tahap"), max_length=200)
    start = models.DateField(_("mulai"))
    end = models.DateField(_("selesai"))
    order = models.PositiveSmallIntegerField(_("urutan"))
    # A sub-stage (coklit inside pemutakhiran) names its parent's code; its window must
    # lie inside the parent's.
    parent_code = models.SlugField(_("tahap induk"), max_length=60, blank=True)
    regulation = models.CharField(_("dasar hukum"), max_length=300, blank=True)
    # The action codes this stage opens, e.g. ["voters.coklit"]. See docs/schedule.md.
    actions = models.JSONField(_("kegiatan"), default=list, blank=True)
    # The stage whose single day is the election's voting day (kept equal to it).
    is_voting_day = models.BooleanField(_("hari pemungutan suara"), default=False)
    # Where the dates come from (design brief, PKPU text, an officer's change) and caveats.
    source = models.CharField(_("sumber"), max_length=100, blank=True)
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        verbose_name = _("tahap")
        verbose_name_plural = _("tahapan")
        ordering = ["election", "order"]
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="schedule_stage_code"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="schedule_stage_end_gte_start"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.start:%Y-%m-%d}..{self.end:%Y-%m-%d})"

    @property
    def key(self) -> str:
        """The stage's id in the audit log: "<election slug>/<stage code>"."""
        return f"{self.election.slug}/{self.code}"

    def contains(self, day) -> bool:
        return self.start <= day <= self.end
