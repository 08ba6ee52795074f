"""Announcements of the selection's stages (pengumuman), owned by the selection area.

An officer publishes one stage (administrative result, written-test result, final result) of
one body for their region; the published rows are frozen into a Parquet snapshot under
``DATA_DIR`` (its SHA-256 here and in the audit log). Publishing again makes a new version; the
public pages show the newest one, the older versions stay on disk.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .bodies import Body

__all__ = ["SelectionAnnouncement"]


class SelectionAnnouncement(models.Model):
    class Stage(models.TextChoices):
        ADMINISTRATIVE = "administrasi", _("Hasil seleksi administrasi")
        WRITTEN = "tertulis", _("Hasil tes tertulis")
        FINAL = "akhir", _("Hasil akhir seleksi")

    election = models.ForeignKey("schedule.Election", on_delete=models.CASCADE)
    body = models.CharField(_("badan"), max_length=10, choices=Body.choices)
    #: The region the officer published for: every area of ``body`` under this code.
    region_code = models.CharField(_("wilayah"), max_length=13)
    stage = models.CharField(_("tahap"), max_length=12, choices=Stage.choices)
    version = models.PositiveIntegerField(default=1)
    #: The snapshot, relative to DATA_DIR.
    file = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    areas = models.PositiveIntegerField(default=0)
    published_by = models.CharField(max_length=150, blank=True, default="")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election", "body", "region_code", "stage", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "body", "region_code", "stage", "version"],
                name="adhoc_announcement_version",
            ),
        ]

    def __str__(self):
        return f"{self.stage} {self.body} {self.region_code} v{self.version}"
