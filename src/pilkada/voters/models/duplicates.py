"""The duplicates review queue (ganda): what a detection run suggested and what officers
decided.

A :class:`DuplicateRun` stores the suggestions of one run of
:func:`pilkada.engine.dedup.find_duplicates` set-based: its groups (:class:`DuplicateGroup`,
``G<lowest voter id>``, or ``N<...>`` for an exact-NIK conflict: two people under one NIK?),
their members (:class:`DuplicateMember`) and the scored pairs inside each group with their
per-field evidence (:class:`DuplicatePair`). A new run replaces the previous run's *open*
groups; decided groups stay, with their :class:`DuplicateDecision`.

An officer **confirms** a group (one record is kept, the others get TMS 2 with a note naming
the kept voter; each :class:`DuplicateDecision` links removed -> kept) or **rejects** it ("not
the same person": every pair of the rejected members becomes a :class:`DuplicateRejection`,
passed to the next run as ``remembered_rejections``, so it is never suggested or grouped
again).

Voters are referenced by id without a database constraint (``db_constraint=False``): the
register's import replaces whole batches with a set-based DELETE, which a constraint from
these tables would block; the review pages join through the voter table, so rows whose
voter is gone simply disappear from them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DuplicateDecision",
    "DuplicateGroup",
    "DuplicateMember",
    "DuplicatePair",
    "DuplicateRejection",
    "DuplicateRun",
]


def _voter_fk(related_name: str, **kwargs):
    return models.ForeignKey(
        "voters.Voter",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name=related_name,
        **kwargs,
    )


class DuplicateRun(models.Model):
    """One detection run over an election's register."""

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    started_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)  # voters examined
    groups = models.PositiveIntegerField(default=0)  # open groups stored by this run
    pairs = models.PositiveIntegerField(default=0)
    exact_groups = models.PositiveIntegerField(default=0)
    conflict_groups = models.PositiveIntegerField(default=0)
    probable_groups = models.PositiveIntegerField(default=0)
    rejections_applied = models.PositiveIntegerField(default=0)
    # The engine's statistics (blocking counts, training, timings).
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"duplicates run {self.pk} ({self.groups} groups)"


class DuplicateGroup(models.Model):
    """A suggested group of records that may be one person (or, ``conflict``, rows sharing a
    NIK whose names or birth dates say two people)."""

    class Kind(models.TextChoices):
        EXACT_NIK = "exact_nik", _("NIK sama")
        PROBABLE = "probable", _("Kemungkinan orang yang sama")
        MIXED = "exact_nik+probable", _("NIK sama dan kemungkinan")
        CONFLICT = "nik_conflict", _("Dua orang dengan satu NIK?")

    class Status(models.TextChoices):
        OPEN = "open", _("Menunggu keputusan")
        CONFIRMED = "confirmed", _("Dikonfirmasi ganda")
        REJECTED = "rejected", _("Bukan orang yang sama")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    run = models.ForeignKey(DuplicateRun, on_delete=models.PROTECT, related_name="group_set")
    group_key = models.CharField(max_length=24)  # G<lowest voter id> / N<...>
    kind = models.CharField(max_length=20, choices=Kind.choices)
    size = models.PositiveIntegerField()
    max_weight = models.FloatField(null=True)
    max_probability = models.FloatField(null=True)
    # The smallest region holding every member (kelurahan, kecamatan, kab/kota or province):
    # who may decide the group (a KPU kab/kota only groups inside its city).
    region_code = models.CharField(max_length=13)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-max_weight", "group_key"]
        indexes = [
            models.Index(fields=["election", "status", "region_code"], name="voters_dupgrp_open"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["run", "group_key"], name="voters_dupgrp_key"),
        ]

    def __str__(self):
        return f"{self.group_key} ({self.kind}, {self.size})"

    @property
    def is_conflict(self) -> bool:
        return self.kind == self.Kind.CONFLICT


class DuplicateMember(models.Model):
    """A voter in a suggested group, with its strongest partner in the group."""

    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="members")
    voter = _voter_fk("+")
    partner_id = models.BigIntegerField(null=True)
    match_weight = models.FloatField(null=True)
    match_probability = models.FloatField(null=True)
    kelurahan_code = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["voter"], name="voters_dupmem_voter")]
        constraints = [
            models.UniqueConstraint(fields=["group", "voter"], name="voters_dupmem_once"),
        ]

    def __str__(self):
        return f"{self.group_id}: voter {self.voter_id}"


class DuplicatePair(models.Model):
    """A scored pair inside a group: the match weight (bits), the probability, the weight of
    each comparison and the per-field relation (agree / differ and how)."""

    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="pairs")
    voter_a = _voter_fk("+")
    voter_b = _voter_fk("+")
    kind = models.CharField(max_length=20)  # exact_nik / probable
    conflict = models.BooleanField(default=False)
    match_weight = models.FloatField(null=True)
    match_probability = models.FloatField(null=True)
    w_name = models.FloatField(null=True)
    w_birth = models.FloatField(null=True)
    w_nik_household = models.FloatField(null=True)
    w_birthplace = models.FloatField(null=True)
    nik_relation = models.CharField(max_length=40, blank=True)
    nik_positions = models.CharField(max_length=60, blank=True)
    name_relation = models.CharField(max_length=40, blank=True)
    name_similarity = models.FloatField(null=True)
    date_relation = models.CharField(max_length=40, blank=True)
    same_nkk = models.BooleanField(default=False)
    same_address = models.BooleanField(default=False)
    same_kelurahan = models.BooleanField(default=False)
    same_birthplace = models.BooleanField(default=False)
    evidence_for = models.TextField(blank=True)
    evidence_against = models.TextField(blank=True)

    class Meta:
        ordering = ["-match_weight", "voter_a_id", "voter_b_id"]

    def __str__(self):
        return f"{self.voter_a_id}~{self.voter_b_id} ({self.match_weight})"


class DuplicateDecision(models.Model):
    """An officer's decision on a group. A confirm has one row per removed voter
    (removed -> kept, with the voter's status before, for an undo); a reject has one row
    naming the rejected members (the pairs are in :class:`DuplicateRejection`)."""

    class Decision(models.TextChoices):
        CONFIRM = "confirm", _("Konfirmasi ganda")
        REJECT = "reject", _("Bukan orang yang sama")

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    # Null once a later run replaced the group (an undone confirm leaves it open again).
    group = models.ForeignKey(
        DuplicateGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
    )
    group_key = models.CharField(max_length=24, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    removed_voter = _voter_fk("+", null=True, blank=True)
    kept_voter = _voter_fk("+", null=True, blank=True)
    # The removed voter's status before the confirm (restored by an undo).
    previous_status = models.CharField(max_length=8, blank=True)
    previous_tms_code = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_tms_note = models.TextField(blank=True)
    note = models.TextField(blank=True)
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["removed_voter"], name="voters_dupdec_removed")]

    def __str__(self):
        return f"{self.decision} {self.group_id} by {self.actor}"


class DuplicateRejection(models.Model):
    """A pair an officer said is *not* the same person: never suggested or grouped again.
    Ids are stored as ``voter_a < voter_b``; the NIKs are kept beside them (a re-imported
    register has new ids; two different NIKs then still carry the decision)."""

    election = models.ForeignKey("schedule.Election", on_delete=models.PROTECT)
    decision = models.ForeignKey(
        DuplicateDecision, on_delete=models.PROTECT, related_name="rejections"
    )
    voter_a = _voter_fk("+")
    voter_b = _voter_fk("+")
    nik_a = models.CharField(max_length=32, blank=True)
    nik_b = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "voter_a", "voter_b"], name="voters_duprej_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(voter_a__lt=models.F("voter_b")), name="voters_duprej_order"
            ),
        ]

    def __str__(self):
        return f"not the same person: {self.voter_a_id}, {self.voter_b_id}"
