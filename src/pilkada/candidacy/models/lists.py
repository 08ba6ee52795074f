"""NIK lists that KPU uploads as evidence for the checks: members of TNI and Polri, ASN,
village officials, election organisers and ad hoc members (barred from supporting an
independent pair), party members (barred from ad hoc bodies). One list per upload; a new
upload of the same category replaces the list (audited)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["NikList", "NikListEntry"]


class NikList(models.Model):
    class Category(models.TextChoices):
        TNI = "tni", _("Anggota TNI")
        POLRI = "polri", _("Anggota Polri")
        ASN = "asn", _("Aparatur sipil negara (ASN)")
        VILLAGE = "village_official", _("Kepala desa / perangkat desa / lurah")
        ORGANISER = "organiser", _("Penyelenggara pemilihan dan badan ad hoc")
        PARTY = "party_member", _("Anggota partai politik")

    election = models.ForeignKey("schedule.Election", on_delete=models.CASCADE)
    category = models.CharField(_("jenis daftar"), max_length=20, choices=Category.choices)
    source = models.CharField(_("sumber"), max_length=200, blank=True, default="")
    file_name = models.CharField(max_length=255, blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")
    entries = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    uploaded_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "category"], name="candidacy_niklist_cat"),
        ]

    def __str__(self):
        return f"{self.category} ({self.entries})"


class NikListEntry(models.Model):
    nik_list = models.ForeignKey(NikList, on_delete=models.CASCADE, related_name="+")
    nik = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["nik"], name="candidacy_niklist_nik")]
        constraints = [
            models.UniqueConstraint(fields=["nik_list", "nik"], name="candidacy_niklist_entry"),
        ]

    def __str__(self):
        return f"{self.nik_list_id}:{self.nik}"
