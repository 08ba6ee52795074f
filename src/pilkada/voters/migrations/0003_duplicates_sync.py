# The duplicates review queue and the DP4 / previous-DPT synchronisation.
import django.db.models.deletion
from django.db import migrations, models


def _voter(related_name="+", **kwargs):
    return models.ForeignKey(
        db_constraint=False,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name=related_name,
        to="voters.voter",
        **kwargs,
    )


def _election(**kwargs):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT, to="schedule.election", **kwargs
    )


def _id():
    return models.BigAutoField(
        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
    )


class Migration(migrations.Migration):
    dependencies = [("schedule", "0001_initial"), ("voters", "0002_voter_register")]

    operations = [
        migrations.CreateModel(
            name="DuplicateRun",
            fields=[
                ("id", _id()),
                ("started_by", models.CharField(max_length=150)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("seconds", models.FloatField(blank=True, null=True)),
                ("rows", models.PositiveIntegerField(default=0)),
                ("groups", models.PositiveIntegerField(default=0)),
                ("pairs", models.PositiveIntegerField(default=0)),
                ("exact_groups", models.PositiveIntegerField(default=0)),
                ("conflict_groups", models.PositiveIntegerField(default=0)),
                ("probable_groups", models.PositiveIntegerField(default=0)),
                ("rejections_applied", models.PositiveIntegerField(default=0)),
                ("stats", models.JSONField(blank=True, default=dict)),
                ("election", _election()),
            ],
            options={"ordering": ["-created_at", "-pk"]},
        ),
        migrations.CreateModel(
            name="DuplicateGroup",
            fields=[
                ("id", _id()),
                ("group_key", models.CharField(max_length=24)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("exact_nik", "NIK sama"),
                            ("probable", "Kemungkinan orang yang sama"),
                            ("exact_nik+probable", "NIK sama dan kemungkinan"),
                            ("nik_conflict", "Dua orang dengan satu NIK?"),
                        ],
                        max_length=20,
                    ),
                ),
                ("size", models.PositiveIntegerField()),
                ("max_weight", models.FloatField(null=True)),
                ("max_probability", models.FloatField(null=True)),
                ("region_code", models.CharField(max_length=13)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Menunggu keputusan"),
                            ("confirmed", "Dikonfirmasi ganda"),
                            ("rejected", "Bukan orang yang sama"),
                        ],
                        default="open",
                        max_length=10,
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("decided_by", models.CharField(blank=True, max_length=150)),
                ("election", _election()),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="group_set",
                        to="voters.duplicaterun",
                    ),
                ),
            ],
            options={
                "ordering": ["-max_weight", "group_key"],
                "indexes": [
                    models.Index(
                        fields=["election", "status", "region_code"], name="voters_dupgrp_open"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("run", "group_key"), name="voters_dupgrp_key")
                ],
            },
        ),
        migrations.CreateModel(
            name="DuplicateMember",
            fields=[
                ("id", _id()),
                ("partner_id", models.BigIntegerField(null=True)),
                ("match_weight", models.FloatField(null=True)),
                ("match_probability", models.FloatField(null=True)),
                ("kelurahan_code", models.CharField(max_length=20)),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="members",
                        to="voters.duplicategroup",
                    ),
                ),
                ("voter", _voter()),
            ],
            options={
                "indexes": [models.Index(fields=["voter"], name="voters_dupmem_voter")],
                "constraints": [
                    models.UniqueConstraint(fields=("group", "voter"), name="voters_dupmem_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="DuplicatePair",
            fields=[
                ("id", _id()),
                ("kind", models.CharField(max_length=20)),
                ("conflict", models.BooleanField(default=False)),
                ("match_weight", models.FloatField(null=True)),
                ("match_probability", models.FloatField(null=True)),
                ("w_name", models.FloatField(null=True)),
                ("w_birth", models.FloatField(null=True)),
                ("w_nik_household", models.FloatField(null=True)),
                ("w_birthplace", models.FloatField(null=True)),
                ("nik_relation", models.CharField(blank=True, max_length=40)),
                ("nik_positions", models.CharField(blank=True, max_length=60)),
                ("name_relation", models.CharField(blank=True, max_length=40)),
                ("name_similarity", models.FloatField(null=True)),
                ("date_relation", models.CharField(blank=True, max_length=40)),
                ("same_nkk", models.BooleanField(default=False)),
                ("same_address", models.BooleanField(default=False)),
                ("same_kelurahan", models.BooleanField(default=False)),
                ("same_birthplace", models.BooleanField(default=False)),
                ("evidence_for", models.TextField(blank=True)),
                ("evidence_against", models.TextField(blank=True)),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pairs",
                        to="voters.duplicategroup",
                    ),
                ),
                ("voter_a", _voter()),
                ("voter_b", _voter()),
            ],
            options={"ordering": ["-match_weight", "voter_a_id", "voter_b_id"]},
        ),
        migrations.CreateModel(
            name="DuplicateDecision",
            fields=[
                ("id", _id()),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("confirm", "Konfirmasi ganda"),
                            ("reject", "Bukan orang yang sama"),
                        ],
                        max_length=10,
                    ),
                ),
                ("previous_status", models.CharField(blank=True, max_length=8)),
                ("previous_tms_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("previous_tms_note", models.TextField(blank=True)),
                ("note", models.TextField(blank=True)),
                ("actor", models.CharField(max_length=150)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("undone_at", models.DateTimeField(blank=True, null=True)),
                ("undone_by", models.CharField(blank=True, max_length=150)),
                ("election", _election()),
                (
                    "group",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="decisions",
                        to="voters.duplicategroup",
                    ),
                ),
                ("group_key", models.CharField(blank=True, max_length=24)),
                ("kept_voter", _voter(blank=True, null=True)),
                ("removed_voter", _voter(blank=True, null=True)),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["removed_voter"], name="voters_dupdec_removed")],
            },
        ),
        migrations.CreateModel(
            name="DuplicateRejection",
            fields=[
                ("id", _id()),
                ("nik_a", models.CharField(blank=True, max_length=32)),
                ("nik_b", models.CharField(blank=True, max_length=32)),
                (
                    "decision",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rejections",
                        to="voters.duplicatedecision",
                    ),
                ),
                ("election", _election()),
                ("voter_a", _voter()),
                ("voter_b", _voter()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("election", "voter_a", "voter_b"), name="voters_duprej_pair"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("voter_a__lt", models.F("voter_b"))),
                        name="voters_duprej_order",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SyncRun",
            fields=[
                ("id", _id()),
                ("started_by", models.CharField(max_length=150)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("seconds", models.FloatField(blank=True, null=True)),
                ("dp4_rows", models.PositiveIntegerField(default=0)),
                ("previous_rows", models.PositiveIntegerField(default=0)),
                ("found_by_nik", models.PositiveIntegerField(default=0)),
                ("found_by_fuzzy", models.PositiveIntegerField(default=0)),
                ("new", models.PositiveIntegerField(default=0)),
                ("new_turning_17", models.PositiveIntegerField(default=0)),
                ("previous_found", models.PositiveIntegerField(default=0)),
                ("missing", models.PositiveIntegerField(default=0)),
                ("stats", models.JSONField(blank=True, default=dict)),
                ("election", _election()),
            ],
            options={"ordering": ["-created_at", "-pk"]},
        ),
        migrations.CreateModel(
            name="SyncRegionCount",
            fields=[
                ("id", _id()),
                ("region_code", models.CharField(max_length=20)),
                ("dp4_rows", models.PositiveIntegerField(default=0)),
                ("found_by_nik", models.PositiveIntegerField(default=0)),
                ("found_by_fuzzy", models.PositiveIntegerField(default=0)),
                ("new", models.PositiveIntegerField(default=0)),
                ("new_turning_17", models.PositiveIntegerField(default=0)),
                ("previous_rows", models.PositiveIntegerField(default=0)),
                ("previous_found", models.PositiveIntegerField(default=0)),
                ("missing", models.PositiveIntegerField(default=0)),
                (
                    "election",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="schedule.election"
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="counts",
                        to="voters.syncrun",
                    ),
                ),
            ],
            options={
                "ordering": ["region_code"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "region_code"), name="voters_sync_count_region"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SyncMatch",
            fields=[
                (
                    "voter",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="voters.voter",
                    ),
                ),
                ("is_previous", models.BooleanField()),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("nik", "Ditemukan (NIK)"),
                            ("fuzzy", "Ditemukan (nama dan tanggal lahir)"),
                            ("new", "Pemilih baru"),
                            ("found", "Ada di DP4"),
                            ("missing", "Tidak ada di DP4"),
                        ],
                        max_length=8,
                    ),
                ),
                ("matched_voter_id", models.BigIntegerField(null=True)),
                ("turns_17", models.BooleanField(default=False)),
                ("kelurahan_code", models.CharField(max_length=20)),
                ("election", _election(db_index=False)),
                (
                    "run",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="voters.syncrun",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["election", "method", "kelurahan_code"],
                        name="voters_sync_method_kel",
                    )
                ],
            },
        ),
    ]
