"""Verifikasi faktual: the PPS of the supporter's kelurahan meets each supporter who passed
verifikasi administrasi (a census, not a sample) and records what happened. A supporter may
have several records (not found at home, then met at the place the pair arranged); the
latest decides the supporter's ``verfak_status``."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["FactualCheck"]


class FactualCheck(models.Model):
    class Outcome(models.TextChoices):
        CONFIRMS = "met_confirms", _("Ditemui dan membenarkan dukungan")
        DENIES = "met_denies", _("Ditemui dan menyatakan tidak mendukung")
        NOT_FOUND = "not_found", _("Tidak ditemui")
        DECEASED = "deceased", _("Meninggal dunia")
        CHOSE_OTHER = "chose_other_pair", _("Memilih mendukung pasangan lain")

    class Method(models.TextChoices):
        VISIT = "visit", _("Kunjungan ke alamat")
        GATHERING = "gathering", _("Dihadirkan di tempat yang disepakati")
        VIDEO = "video_call", _("Panggilan video")

    supporter = models.ForeignKey(
        "candidacy.Supporter", on_delete=models.CASCADE, related_name="factual_checks"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    method = models.CharField(max_length=12, choices=Method.choices, default=Method.VISIT)
    # A denial is recorded with the supporter's signed statement (form number as written).
    denial_form = models.CharField(max_length=60, blank=True, default="")
    note = models.TextField(blank=True, default="")
    recorded_by = models.CharField(max_length=150)
    recorded_on = models.DateField(help_text="the election clock's day")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["supporter", "created_at", "id"]

    def __str__(self):
        return f"{self.supporter_id}: {self.outcome}"
