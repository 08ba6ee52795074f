"""DPTb (pemilih pindahan, formulir Model A) and DPK (daftar pemilih khusus).

A move never changes or deletes the Voter row: the active :class:`VoterMove` *is* the mark
that takes the voter off the origin TPS list and puts them on the destination's DPTb list.
Cancelling a move keeps the row (status ``cancelled``), so the history stays readable.
The rules (reasons, deadlines, ballot entitlement) live in :mod:`pilkada.engine.moves`.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pilkada.engine.moves import REASONS

__all__ = ["DpkVoter", "VoterMove"]


class VoterMove(models.Model):
    """One registered move of a voter on the DPT to another TPS (pindah memilih)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Aktif")
        CANCELLED = "cancelled", _("Dibatalkan")

    REASON_CHOICES = [(rule.code.value, rule.label) for rule in REASONS.values()]

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    voter = models.ForeignKey("voters.Voter", on_delete=models.PROTECT, related_name="moves")
    reason = models.CharField(max_length=30, choices=REASON_CHOICES)
    # Form A (formulir Model A - surat pindah memilih) number, as written on the form.
    form_a_number = models.CharField(max_length=60)
    origin_tps_code = models.CharField(max_length=13)
    origin_kelurahan_code = models.CharField(max_length=10)
    destination_kelurahan_code = models.CharField(max_length=10)
    # Null until KPU maps the voter to a TPS at the destination.
    destination_tps_code = models.CharField(max_length=13, null=True, blank=True)  # noqa: DJ001
    # The ballot the voter gets at the destination (the election kind) and how it was judged
    # (engine.moves.Entitlement.code: same_kelurahan, same_kabkota, other_kabkota).
    ballot = models.CharField(max_length=10)
    entitlement = models.CharField(max_length=20)
    # The last day the move could be registered (and may be cancelled): H-30 or H-7.
    deadline = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    registered_by = models.CharField(max_length=150)
    registered_on = models.DateField(help_text="the election clock's day")
    registered_at = models.DateTimeField(auto_now_add=True)
    cancelled_by = models.CharField(max_length=150, blank=True, default="")
    cancelled_on = models.DateField(null=True, blank=True)
    cancel_note = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["election", "destination_kelurahan_code"], name="moves_dest"),
            models.Index(fields=["election", "origin_kelurahan_code"], name="moves_origin"),
        ]
        constraints = [
            # No voter has two active moves (the service checks first; this catches races).
            models.UniqueConstraint(
                fields=["voter"], condition=Q(status="active"), name="moves_one_active_per_voter"
            ),
            models.UniqueConstraint(
                fields=["election", "form_a_number"],
                condition=Q(status="active"),
                name="moves_form_a_unique_active",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "cancelled"]), name="moves_status_valid"
            ),
        ]

    def __str__(self):
        return f"DPTb {self.voter_id}: {self.origin_tps_code} -> {self.destination_kelurahan_code}"


class DpkVoter(models.Model):
    """A person recorded on voting day at a TPS on the DPK (not on the DPT or DPTb, with a
    KTP-el address in the TPS's kelurahan)."""

    class Sex(models.TextChoices):
        L = "L", _("Laki-laki")
        P = "P", _("Perempuan")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    tps_code = models.CharField(max_length=13)
    nik = models.CharField(max_length=16)
    nama = models.CharField(max_length=200)
    jenis_kelamin = models.CharField(max_length=1, choices=Sex.choices)
    tanggal_lahir = models.DateField()
    status_kawin = models.CharField(max_length=1, blank=True, default="")
    alamat = models.CharField(max_length=255)
    rt = models.CharField(max_length=8, blank=True, default="")
    rw = models.CharField(max_length=8, blank=True, default="")
    # The kelurahan of the KTP-el address (equal to the TPS's kelurahan).
    alamat_kelurahan_code = models.CharField(max_length=10)
    recorded_by = models.CharField(max_length=150)
    recorded_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["election", "tps_code"], name="dpk_elec_tps")]
        constraints = [
            models.UniqueConstraint(fields=["election", "nik"], name="dpk_one_per_nik"),
        ]

    def __str__(self):
        return f"DPK {self.tps_code}"
