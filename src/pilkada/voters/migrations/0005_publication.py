# The publication models: snapshots, recap rows, tanggapan (PKPU 7/2024; see docs/publication.md).
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schedule", "0001_initial"),
        ("voters", "0004_coklit"),
    ]

    operations = [
        migrations.CreateModel(
            name="Snapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("dps", "DPS"), ("dpshp", "DPSHP"), ("dpt", "DPT")], max_length=6
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                ("region_code", models.CharField(max_length=10)),
                ("rows", models.PositiveIntegerField(default=0)),
                ("parquet_file", models.CharField(max_length=500)),
                ("csv_file", models.CharField(max_length=500)),
                (
                    "sha256",
                    models.CharField(help_text="SHA-256 of the Parquet file", max_length=64),
                ),
                ("csv_sha256", models.CharField(max_length=64)),
                ("published_on", models.DateField()),
                ("published_by", models.CharField(blank=True, max_length=150)),
                ("voting_day", models.DateField()),
                ("summary", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "election",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="schedule.election"
                    ),
                ),
            ],
            options={
                "ordering": ["election", "kind", "-version"],
            },
        ),
        migrations.CreateModel(
            name="RecapRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("region_code", models.CharField(max_length=13)),
                ("level", models.CharField(max_length=10)),
                ("parent_code", models.CharField(blank=True, max_length=13, null=True)),
                ("total", models.PositiveIntegerField(default=0)),
                ("laki_laki", models.PositiveIntegerField(default=0)),
                ("perempuan", models.PositiveIntegerField(default=0)),
                ("sex_unknown", models.PositiveIntegerField(default=0)),
                ("dis_1", models.PositiveIntegerField(default=0)),
                ("dis_2", models.PositiveIntegerField(default=0)),
                ("dis_3", models.PositiveIntegerField(default=0)),
                ("dis_4", models.PositiveIntegerField(default=0)),
                ("dis_5", models.PositiveIntegerField(default=0)),
                ("dis_6", models.PositiveIntegerField(default=0)),
                ("dis_total", models.PositiveIntegerField(default=0)),
                ("age_lt17", models.PositiveIntegerField(default=0)),
                ("age_17_27", models.PositiveIntegerField(default=0)),
                ("age_28_43", models.PositiveIntegerField(default=0)),
                ("age_44_59", models.PositiveIntegerField(default=0)),
                ("age_60p", models.PositiveIntegerField(default=0)),
                ("age_unknown", models.PositiveIntegerField(default=0)),
                ("age_17_40", models.PositiveIntegerField(default=0)),
                ("ktp_el_yes", models.PositiveIntegerField(default=0)),
                ("ktp_el_no", models.PositiveIntegerField(default=0)),
                ("ktp_el_unknown", models.PositiveIntegerField(default=0)),
                ("tps_count", models.PositiveIntegerField(default=0)),
                ("pending", models.PositiveIntegerField(default=0)),
                ("flagged", models.PositiveIntegerField(default=0)),
                ("no_tps", models.PositiveIntegerField(default=0)),
                ("tps_over_cap", models.PositiveIntegerField(default=0)),
                ("first_problem", models.CharField(blank=True, max_length=13, null=True)),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recap_rows",
                        to="voters.snapshot",
                    ),
                ),
            ],
            options={
                "ordering": ["snapshot", "region_code"],
            },
        ),
        migrations.CreateModel(
            name="DpsResponse",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kelurahan_code", models.CharField(max_length=10)),
                ("voter_id", models.BigIntegerField(blank=True, null=True)),
                ("tps_code", models.CharField(blank=True, max_length=13)),
                ("nomor", models.PositiveIntegerField(blank=True, null=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("meninggal", "Tidak memenuhi syarat: meninggal"),
                            ("ganda", "Tidak memenuhi syarat: terdaftar ganda"),
                            ("di_bawah_umur", "Tidak memenuhi syarat: belum cukup umur"),
                            ("pindah", "Tidak memenuhi syarat: pindah domisili"),
                            ("tidak_dikenal", "Tidak memenuhi syarat: tidak dikenal"),
                            ("tni", "Tidak memenuhi syarat: anggota TNI"),
                            ("polri", "Tidak memenuhi syarat: anggota Polri"),
                            ("data_salah", "Data pemilih salah"),
                            ("belum_terdaftar", "Belum terdaftar (tidak ada dalam daftar)"),
                        ],
                        max_length=20,
                    ),
                ),
                ("responder_name", models.CharField(max_length=150)),
                ("responder_contact", models.CharField(max_length=150)),
                ("note", models.TextField(blank=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Belum ditindaklanjuti"),
                            ("accepted", "Diterima"),
                            ("rejected", "Ditolak"),
                        ],
                        default="open",
                        max_length=10,
                    ),
                ),
                ("resolution", models.TextField(blank=True)),
                ("resolved_by", models.CharField(blank=True, max_length=150)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "election",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="schedule.election"
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responses",
                        to="voters.snapshot",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.AddConstraint(
            model_name="snapshot",
            constraint=models.UniqueConstraint(
                fields=("election", "kind", "version"), name="voters_snapshot_version"
            ),
        ),
        migrations.AddIndex(
            model_name="recaprow",
            index=models.Index(fields=["snapshot", "parent_code"], name="voters_recap_parent"),
        ),
        migrations.AddConstraint(
            model_name="recaprow",
            constraint=models.UniqueConstraint(
                fields=("snapshot", "region_code"), name="voters_recap_region"
            ),
        ),
        migrations.AddIndex(
            model_name="dpsresponse",
            index=models.Index(
                fields=["election", "kelurahan_code", "status"], name="voters_resp_kel"
            ),
        ),
    ]
