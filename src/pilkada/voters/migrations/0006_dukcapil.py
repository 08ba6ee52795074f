# The dukcapil models: KTP-el issuance (issue 3 part 9; see docs/dukcapil.md).
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schedule", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("voters", "0005_publication"),
    ]

    operations = [
        migrations.CreateModel(
            name="KtpElIssuance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kelurahan_code", models.CharField(max_length=20)),
                ("previous", models.BooleanField(blank=True, null=True)),
                ("issued_by_name", models.CharField(max_length=150)),
                ("issued_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "via",
                    models.CharField(
                        choices=[
                            ("web", "Halaman web"),
                            ("csv", "Berkas CSV"),
                            ("cli", "Baris perintah"),
                        ],
                        default="web",
                        max_length=3,
                    ),
                ),
                (
                    "election",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="schedule.election",
                    ),
                ),
                (
                    "issued_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "voter",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="voters.voter",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["election", "kelurahan_code"], name="voters_ktpel_elec_kel"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("voter",), name="voters_ktpel_one_per_voter")
                ],
            },
        ),
    ]
