# The coklit models (voters.models.coklit), written by hand.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schedule", "0001_initial"),
        ("voters", "0003_duplicates_sync"),
    ]

    operations = [
        migrations.CreateModel(
            name="CoklitRecord",
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
                        choices=[
                            ("ms", "Memenuhi syarat"),
                            ("tms", "Tidak memenuhi syarat"),
                            ("change", "Perubahan data"),
                            ("move", "Salah penempatan TPS (pindah TPS)"),
                            ("new", "Pemilih baru"),
                        ],
                        max_length=8,
                    ),
                ),
                ("tps_code", models.CharField(blank=True, max_length=13)),
                ("kelurahan_code", models.CharField(blank=True, max_length=20)),
                ("tms_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("note", models.TextField(blank=True, default="")),
                ("old", models.JSONField(blank=True, default=dict)),
                ("new", models.JSONField(blank=True, default=dict)),
                ("actor", models.CharField(max_length=150)),
                ("actor_user_id", models.BigIntegerField(blank=True, null=True)),
                ("actor_role", models.CharField(blank=True, max_length=20)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "election",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="schedule.election",
                    ),
                ),
                (
                    "voter",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="coklit_records",
                        to="voters.voter",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["election", "tps_code"], name="voters_coklit_elec_tps")
                ],
            },
        ),
    ]
