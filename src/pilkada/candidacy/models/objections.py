"""Objections from cek NIK dukungan: a citizen whose NIK is listed as supporting a pair says
"I did not give this support". The objection marks that support TMS (denied) pending
verifikasi faktual, appears to KPU and Bawaslu, and is counted per pair."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["SupportObjection"]


class SupportObjection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Diterima, menunggu verifikasi faktual")
        UPHELD = "upheld", _("Dibenarkan: dukungan tidak sah")
        DISMISSED = "dismissed", _("Tidak dibenarkan: pendukung membenarkan dukungan")
        WITHDRAWN = "withdrawn", _("Dicabut pelapor")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    supporter = models.ForeignKey(
        "candidacy.Supporter", on_delete=models.PROTECT, related_name="objections"
    )
    pair = models.ForeignKey("candidacy.Pair", on_delete=models.PROTECT)
    # A receipt number the citizen keeps (random, not derived from the NIK).
    receipt = models.CharField(max_length=20, unique=True)
    contact_name = models.CharField(max_length=200)
    contact_phone = models.CharField(max_length=40, blank=True, default="")
    contact_email = models.EmailField(blank=True, default="")
    statement = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution_note = models.TextField(blank=True, default="")
    resolved_by = models.CharField(max_length=150, blank=True, default="")
    resolved_on = models.DateField(null=True, blank=True)
    created_on = models.DateField(help_text="the election clock's day")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["pair", "status"], name="candidacy_objection_pair")]

    def __str__(self):
        return self.receipt
