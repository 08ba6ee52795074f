"""Dukcapil's KTP-el pages and the `pilkada voters ktp-el` command."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.voters.models import KtpElIssuance, Voter

from .conftest import make_nik_for
from .test_dukcapil_ktp_el import BORN, GAMBIR, PENJARINGAN, people, users  # noqa: F401


@pytest.fixture
def as_pusat(client, users):  # noqa: F811
    client.force_login(users["pusat"])
    return client


def test_the_pages_need_a_login(client, people):  # noqa: F811
    response = client.get("/pemilih/ktp-el/")
    assert response.status_code == 302 and "/akun/" in response["Location"]


def test_drill_down_to_a_kelurahan_and_mark_cards(as_pusat, people, audit_log):  # noqa: F811
    page = as_pusat.get("/pemilih/ktp-el/").content.decode()
    assert 'data-testid="total-without">3<' in page
    assert "/pemilih/ktp-el/317101/" in page
    page = as_pusat.get("/pemilih/ktp-el/317101/").content.decode()
    assert f"/pemilih/ktp-el/{GAMBIR}/" in page
    page = as_pusat.get(f"/pemilih/ktp-el/{GAMBIR}/").content.decode()
    assert people["g1"].nik in page  # unmasked for Dukcapil
    assert people["g_has"].nik not in page and people["g_tms"].nik not in page
    response = as_pusat.post(
        f"/pemilih/ktp-el/{GAMBIR}/terbit/", {"voter": [people["g1"].pk, people["g2"].pk]}
    )
    assert response.status_code == 302
    page = as_pusat.get(response["Location"]).content.decode()
    assert "2 KTP-el ditandai sudah terbit" in page
    assert 'data-testid="total-without">0<' in page
    assert 'data-testid="total-issued">2<' in page
    assert people["g1"].nik not in page


def test_a_kelurahan_page_is_a_few_queries(as_pusat, people, django_assert_max_num_queries):  # noqa: F811
    with django_assert_max_num_queries(14):
        assert as_pusat.get(f"/pemilih/ktp-el/{GAMBIR}/").status_code == 200


def test_crossing_the_scope_is_refused(as_pusat, people):  # noqa: F811
    assert as_pusat.get(f"/pemilih/ktp-el/{PENJARINGAN}/").status_code == 403
    assert as_pusat.get("/pemilih/ktp-el/3172/ekspor.csv").status_code == 403
    response = as_pusat.post(f"/pemilih/ktp-el/{GAMBIR}/terbit/", {"voter": [people["u1"].pk]})
    assert response.status_code == 403
    assert Voter.objects.get(pk=people["u1"].pk).ktp_el is False


def test_a_bad_region_code_is_404(as_pusat, people):  # noqa: F811
    assert as_pusat.get("/pemilih/ktp-el/31710/").status_code == 404


def test_marking_nothing_says_so(as_pusat, people):  # noqa: F811
    response = as_pusat.post(f"/pemilih/ktp-el/{GAMBIR}/terbit/", {}, follow=True)
    assert "Pilih dulu pemilih" in response.content.decode()


def test_kpu_sees_masked_and_cannot_mark(client, users, people):  # noqa: F811
    client.force_login(users["kpu"])
    page = client.get(f"/pemilih/ktp-el/{GAMBIR}/").content.decode()
    assert people["g1"].nik not in page and 'name="voter"' not in page
    response = client.post(f"/pemilih/ktp-el/{GAMBIR}/terbit/", {"voter": [people["g1"].pk]})
    assert response.status_code == 403


def test_export_csv(as_pusat, people, audit_log):  # noqa: F811
    response = as_pusat.get("/pemilih/ktp-el/3171/ekspor.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 4
    assert audit_log()[-1].object_id == "voters.ktp_el_export"


def test_upload_a_csv_of_niks(as_pusat, people):  # noqa: F811
    data = f"nik\n{people['g1'].nik}\n{make_nik_for(99, 'L', BORN)}\n".encode()
    response = as_pusat.post(
        "/pemilih/ktp-el/unggah/", {"file": SimpleUploadedFile("niks.csv", data)}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="marked">1<' in page
    assert 'data-code="not_in_list"' in page
    assert KtpElIssuance.objects.get().via == "csv"


def test_upload_without_a_file_is_a_clear_error(as_pusat, people):  # noqa: F811
    response = as_pusat.post("/pemilih/ktp-el/unggah/", {})
    assert response.status_code == 400
    assert 'data-testid="upload-error"' in response.content.decode()


# --- the command ---------------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("voters", "ktp-el", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_cli_counts_json(people):  # noqa: F811
    data = json.loads(run("--json", "--region", "3171"))
    assert data["counts"]["without"] == 3 and data["counts"]["unknown"] == 1
    assert {c["code"] for c in data["counts"]["children"]} >= {"317101"}


def test_cli_export_and_mark(people, users, tmp_path):  # noqa: F811
    export = tmp_path / "out.csv"
    niks = tmp_path / "niks.csv"
    rejects = tmp_path / "rejects.csv"
    niks.write_text(f"{people['g1'].nik}\n{people['g_has'].nik}\nabc\n")
    data = json.loads(
        run("--as", "dukcapil-3171", "--mark-issued", str(niks), "--rejects", str(rejects),
            "--export", str(export), "--json")
    )  # fmt: skip
    assert data["mark_issued"]["marked"] == 1
    assert [r["code"] for r in data["mark_issued"]["rejects"]] == [
        "already_has_ktp_el", "invalid_nik",
    ]  # fmt: skip
    assert data["export"]["rows"] == 3 and data["export"]["unmasked"]
    assert len(rejects.read_text().splitlines()) == 3
    assert KtpElIssuance.objects.get().via == "cli"
    text = run("--region", GAMBIR)
    assert "without KTP-el 1" in text


def test_cli_refuses_a_region_outside_the_scope(people, users):  # noqa: F811
    with pytest.raises(CommandError) as exc:
        run("--as", "dukcapil-3171", "--region", "3172")
    assert exc.value.returncode == 3


@pytest.mark.parametrize("args", [["--region", "99"], ["--region", "abc"]])
def test_cli_bad_region(people, args):  # noqa: F811
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == 2


def test_cli_missing_or_empty_file(people, tmp_path):  # noqa: F811
    with pytest.raises(CommandError) as exc:
        run("--mark-issued", str(tmp_path / "nope.csv"))
    assert exc.value.returncode == 1
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError) as exc:
        run("--mark-issued", str(empty))
    assert exc.value.returncode == 1
