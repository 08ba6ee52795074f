# The moves models: DPTb (VoterMove) and DPK (DpkVoter).
import django.db.models.deletion
from django.db import migrations, models

REASONS = [
    ("tugas", "Menjalankan tugas di tempat lain pada hari pemungutan suara"),
    ("rawat_inap", "Menjalani rawat inap di fasilitas kesehatan (dan keluarga pendamping)"),
    (
        "disabilitas_panti",
        "Penyandang disabilitas yang menjalani perawatan di panti sosial/rehabilitasi",
    ),
    ("rehabilitasi_narkoba", "Menjalani rehabilitasi narkoba"),
    ("tahanan", "Menjadi tahanan di rutan/lapas atau terpidana yang menjalani hukuman"),
    ("tugas_belajar", "Tugas belajar atau menempuh pendidikan menengah/tinggi"),
    ("pindah_domisili", "Pindah domisili"),
    ("bencana_alam", "Tertimpa bencana alam"),
    ("kerja_luar_domisili", "Bekerja di luar domisili"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("schedule", "0001_initial"),
        ("voters", "0006_dukcapil"),
    ]

    operations = [
        migrations.CreateModel(
            name="VoterMove",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(choices=REASONS, max_length=30)),
                ("form_a_number", models.CharField(max_length=60)),
                ("origin_tps_code", models.CharField(max_length=13)),
                ("origin_kelurahan_code", models.CharField(max_length=10)),
                ("destination_kelurahan_code", models.CharField(max_length=10)),
                (
                    "destination_tps_code",
                    models.CharField(blank=True, max_length=13, null=True),
                ),
                ("ballot", models.CharField(max_length=10)),
                ("entitlement", models.CharField(max_length=20)),
                ("deadline", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Aktif"), ("cancelled", "Dibatalkan")],
                        default="active",
                        max_length=10,
                    ),
                ),
                ("registered_by", models.CharField(max_length=150)),
                ("registered_on", models.DateField(help_text="the election clock's day")),
                ("registered_at", models.DateTimeField(auto_now_add=True)),
                ("cancelled_by", models.CharField(blank=True, default="", max_length=150)),
                ("cancelled_on", models.DateField(blank=True, null=True)),
                ("cancel_note", models.TextField(blank=True, default="")),
                (
                    "election",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="schedule.election"
                    ),
                ),
                (
                    "voter",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="moves",
                        to="voters.voter",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["election", "destination_kelurahan_code"], name="moves_dest"
                    ),
                    models.Index(fields=["election", "origin_kelurahan_code"], name="moves_origin"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "active")),
                        fields=("voter",),
                        name="moves_one_active_per_voter",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "active")),
                        fields=("election", "form_a_number"),
                        name="moves_form_a_unique_active",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["active", "cancelled"])),
                        name="moves_status_valid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="DpkVoter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tps_code", models.CharField(max_length=13)),
                ("nik", models.CharField(max_length=16)),
                ("nama", models.CharField(max_length=200)),
                (
                    "jenis_kelamin",
                    models.CharField(
                        choices=[("L", "Laki-laki"), ("P", "Perempuan")], max_length=1
                    ),
                ),
                ("tanggal_lahir", models.DateField()),
                ("status_kawin", models.CharField(blank=True, default="", max_length=1)),
                ("alamat", models.CharField(max_length=255)),
                ("rt", models.CharField(blank=True, default="", max_length=8)),
                ("rw", models.CharField(blank=True, default="", max_length=8)),
                ("alamat_kelurahan_code", models.CharField(max_length=10)),
                ("recorded_by", models.CharField(max_length=150)),
                ("recorded_on", models.DateField()),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "election",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="schedule.election"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["election", "tps_code"], name="dpk_elec_tps")],
                "constraints": [
                    models.UniqueConstraint(fields=("election", "nik"), name="dpk_one_per_nik")
                ],
            },
        ),
    ]
