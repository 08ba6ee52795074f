"""Bawaslu's oversight: a recommendation (saran perbaikan / rekomendasi) recorded against a
supporter, a batch, a pair or a decision, and KPU's answer to it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["BawasluRecommendation"]


class BawasluRecommendation(models.Model):
    class Subject(models.TextChoices):
        SUPPORTER = "supporter", _("Pendukung")
        BATCH = "batch", _("Berkas dukungan")
        PAIR = "pair", _("Pasangan calon")
        DECISION = "decision", _("Keputusan KPU")

    class Status(models.TextChoices):
        OPEN = "open", _("Menunggu jawaban KPU")
        FOLLOWED = "followed", _("Ditindaklanjuti")
        NOT_FOLLOWED = "not_followed", _("Tidak ditindaklanjuti, dengan alasan")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    subject = models.CharField(max_length=10, choices=Subject.choices)
    # The id of the supporter, batch or pair; for a decision, the audit entry's seq.
    object_id = models.BigIntegerField()
    pair = models.ForeignKey("candidacy.Pair", on_delete=models.PROTECT, null=True, blank=True)
    region_code = models.CharField(max_length=13, blank=True, default="")
    text = models.TextField()
    created_by = models.CharField(max_length=150)
    created_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(blank=True, default="")
    answered_by = models.CharField(max_length=150, blank=True, default="")
    answered_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subject}:{self.object_id} ({self.status})"
