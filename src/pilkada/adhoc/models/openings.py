"""Openings (formasi): how many seats a body has in one area, derived from the regions and the
register (see :func:`pilkada.adhoc.rules.jumlah_anggota`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .bodies import Body

__all__ = ["Opening"]


class Opening(models.Model):
    election = models.ForeignKey("schedule.Election", on_delete=models.CASCADE)
    body = models.CharField(_("badan"), max_length=10, choices=Body.choices)
    #: The area: kecamatan code (PPK), kelurahan code (PPS), TPS code (KPPS, Pantarlih).
    region_code = models.CharField(_("wilayah kerja"), max_length=13)
    seats = models.PositiveSmallIntegerField(_("jumlah anggota"))
    #: Voters of the TPS when the openings were derived (the Pantarlih rule reads it).
    voters = models.PositiveIntegerField(null=True, blank=True)
    derived_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["election", "body", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "body", "region_code"], name="adhoc_opening_area"
            ),
        ]

    def __str__(self):
        return f"{self.body} {self.region_code} ({self.seats})"
