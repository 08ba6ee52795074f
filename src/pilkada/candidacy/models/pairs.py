"""Candidate pairs (pasangan calon, paslon) and what their nomination rests on.

A pair is nominated by parties or a coalition of parties (jalur partai politik) or stands as
an independent pair with the support of voters (jalur perseorangan). Registration, the
requirement checks, penetapan and the ballot number draw follow the schedule; the rules with
numbers are in :mod:`pilkada.candidacy.rules`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CandidacyBasis",
    "Candidate",
    "Pair",
    "PairLiaison",
    "PairParty",
    "PairRequirement",
    "PartyVote",
]


class CandidacyBasis(models.Model):
    """The numbers the thresholds of an election are computed from, set by KPU (audited).

    ``previous_dpt_total``: the DPT of the last election in the region (for DKI 2024 the DPT
    of Pemilu 2024, 8,252,897), the base of the independent minimum support (UU 10/2016
    Pasal 41). ``dpt_total``: the DPT the party threshold band is read from (MK 60/2024);
    ``dprd_valid_votes``: valid votes of the last DPRD election in the region (the sum of
    :class:`PartyVote` when every party is loaded, but KPU sets the official figure)."""

    election = models.OneToOneField(
        "schedule.Election", on_delete=models.CASCADE, related_name="candidacy_basis"
    )
    previous_dpt_total = models.PositiveIntegerField(_("DPT pemilihan terakhir"))
    previous_dpt_source = models.CharField(_("sumber"), max_length=200, blank=True, default="")
    dpt_total = models.PositiveIntegerField(
        _("DPT untuk ambang batas partai"), null=True, blank=True
    )
    dprd_valid_votes = models.PositiveBigIntegerField(
        _("suara sah pemilu DPRD terakhir"), null=True, blank=True
    )
    set_by = models.CharField(max_length=150, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.election_id}: DPT {self.previous_dpt_total}"


class PartyVote(models.Model):
    """A party's valid votes (and seats) in the last DPRD election of the region."""

    election = models.ForeignKey("schedule.Election", on_delete=models.CASCADE)
    code = models.CharField(_("kode partai"), max_length=20)
    name = models.CharField(_("nama partai"), max_length=200)
    valid_votes = models.PositiveBigIntegerField(_("suara sah"))
    seats = models.PositiveSmallIntegerField(_("kursi"), null=True, blank=True)

    class Meta:
        ordering = ["-valid_votes", "code"]
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="candidacy_party_code"),
        ]

    def __str__(self):
        return f"{self.code} ({self.valid_votes})"


class Pair(models.Model):
    """A candidate pair (paslon) of an election."""

    class Path(models.TextChoices):
        PARTY = "party", _("Partai politik / gabungan partai")
        INDEPENDENT = "independent", _("Perseorangan")

    class Status(models.TextChoices):
        # Independent pairs exist from the support stage on (bakal pasangan calon).
        PROSPECTIVE = "prospective", _("Bakal pasangan calon")
        REGISTERED = "registered", _("Terdaftar")
        ELIGIBLE = "eligible", _("Memenuhi syarat")
        INELIGIBLE = "ineligible", _("Tidak memenuhi syarat")
        SET = "set", _("Ditetapkan")
        WITHDRAWN = "withdrawn", _("Mengundurkan diri")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    name = models.CharField(_("nama pasangan"), max_length=200)
    path = models.CharField(_("jalur"), max_length=12, choices=Path.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROSPECTIVE
    )
    ballot_number = models.PositiveSmallIntegerField(_("nomor urut"), null=True, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    set_on = models.DateField(null=True, blank=True)
    status_note = models.TextField(blank=True, default="")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ballot_number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "ballot_number"],
                condition=Q(ballot_number__isnull=False),
                name="candidacy_pair_ballot_number",
            ),
            models.UniqueConstraint(fields=["election", "name"], name="candidacy_pair_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_independent(self) -> bool:
        return self.path == self.Path.INDEPENDENT


class Candidate(models.Model):
    """One of the two candidates of a pair: the head (gubernur, bupati, wali kota) or the
    deputy."""

    class Position(models.TextChoices):
        HEAD = "head", _("Calon kepala daerah")
        DEPUTY = "deputy", _("Calon wakil kepala daerah")

    class Sex(models.TextChoices):
        L = "L", _("Laki-laki")
        P = "P", _("Perempuan")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="candidates")
    position = models.CharField(_("kedudukan"), max_length=6, choices=Position.choices)
    nama = models.CharField(_("nama"), max_length=200)
    nik = models.CharField(_("NIK"), max_length=16)
    tempat_lahir = models.CharField(_("tempat lahir"), max_length=100, blank=True, default="")
    tanggal_lahir = models.DateField(_("tanggal lahir"))
    jenis_kelamin = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    pekerjaan = models.CharField(_("pekerjaan"), max_length=100, blank=True, default="")
    alamat = models.CharField(_("alamat"), max_length=255, blank=True, default="")

    class Meta:
        ordering = ["pair", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "position"], name="candidacy_one_per_position"),
        ]

    def __str__(self):
        return self.nama


class PairParty(models.Model):
    """A party nominating a pair (a coalition is several rows). A party nominates at most one
    pair of an election."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="parties")
    party = models.ForeignKey(PartyVote, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party"], name="candidacy_party_one_pair"),
        ]

    def __str__(self):
        return f"{self.party.code} -> {self.pair_id}"


class PairRequirement(models.Model):
    """One line of a pair's registration checklist: a document (``kind=document``) or a rule
    the system checks from the data (``kind=rule``, e.g. the minimum age), with its result."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Dokumen")
        RULE = "rule", _("Syarat")

    class Status(models.TextChoices):
        MISSING = "missing", _("Belum diserahkan")
        RECEIVED = "received", _("Diterima, belum diteliti")
        MS = "ms", _("Memenuhi syarat")
        TMS = "tms", _("Tidak memenuhi syarat")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="requirements")
    code = models.CharField(max_length=60)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.MISSING)
    note = models.TextField(blank=True, default="")
    checked_by = models.CharField(max_length=150, blank=True, default="")
    checked_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pair", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "code"], name="candidacy_requirement_code"),
        ]

    def __str__(self):
        return f"{self.pair_id}:{self.code}={self.status}"


class PairLiaison(models.Model):
    """A user with the LO role acting for a pair (liaison officer): uploads its supporters and
    sees its own lists, never another pair's."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="liaisons")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="liaison"
    )

    def __str__(self):
        return f"{self.user_id} -> {self.pair_id}"
