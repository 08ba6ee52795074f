"""Helpers for the supporter-list tests: a small register in the database and supporter
files in the B.1.1-KWK format."""

from __future__ import annotations

import csv
import datetime as dt
import io

from pilkada.voters.models import Voter

from .conftest import supporter_nik

SUPPORT_HEADER = [
    "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
    "kode_kelurahan", "pekerjaan",
]  # fmt: skip
BORN = dt.date(1990, 4, 1)
YOUNG = dt.date(2010, 1, 1)


def voter(election, serial, *, born=BORN, kel="3171011001", status="pending", tms=None,
          kawin="B", source="dp4"):  # fmt: skip
    return Voter(
        election=election, source=source, line=serial + 1, nkk=f"31710128051800{serial:02d}",
        nik=supporter_nik(serial, born=born), nama=f"WARGA {serial}", tanggal_lahir=born,
        jenis_kelamin="P", status_kawin=kawin, kelurahan_code=kel, status=status, tms_code=tms,
    )  # fmt: skip


def register(election, rows):
    return Voter.objects.bulk_create(rows)


def row(serial, *, born=BORN, nik=None, pekerjaan="KARYAWAN SWASTA", kel="3171011001"):
    return {
        "nik": nik if nik is not None else supporter_nik(serial, born=born),
        "nama": f"WARGA {serial}",
        "tempat_lahir": "JAKARTA",
        "tanggal_lahir": born.strftime("%d-%m-%Y"),
        "jenis_kelamin": "P",
        "alamat": "JL. MAWAR 1",
        "rt": "001",
        "rw": "002",
        "kode_kelurahan": kel,
        "pekerjaan": pekerjaan,
    }


def support_csv(tmp_path, rows, name="dukungan.csv", delimiter=",", encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(SUPPORT_HEADER)
    for r in rows:
        writer.writerow([r[c] for c in SUPPORT_HEADER] if isinstance(r, dict) else r)
    path = tmp_path / name
    path.write_bytes(out.getvalue().encode(encoding))
    return path
