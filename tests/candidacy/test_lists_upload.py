"""NIK lists KPU uploads: accepted, duplicates, rejects with line and reason, replacement,
audit, and a failed upload leaving the previous list as it was."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.candidacy.models import NikList, NikListEntry
from pilkada.candidacy.selectors.lists import barred_frame, listed_categories
from pilkada.candidacy.services.lists import ListUploadRefused, upload_nik_list
from pilkada.engine.tabular_read import FileRejected

from .conftest import supporter_nik


def _write(tmp_path, text, name="tni.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_upload_counts_reconcile_and_rejects_have_lines(election, kpu_dki, tmp_path, settings):
    a, b = supporter_nik(1), supporter_nik(2)
    path = _write(tmp_path, f"\ufeffNIK;Nama\n{a};A\n{b};B\n{a};A lagi\n123;rusak\n\n")
    result = upload_nik_list(election=election, category="tni", path=path, actor=kpu_dki)
    assert (result.read, result.accepted, result.duplicates, result.rejected) == (4, 2, 1, 1)
    assert result.reconciles
    rejects = (settings.DATA_DIR / result.rejects_file).read_text().splitlines()
    assert rejects[0] == "line,column,reason_code,reason,raw"
    assert rejects[1].startswith("5,nik,nik_wrong_length,")
    assert listed_categories(election=election, nik=a) == ["tni"]
    frame = barred_frame(election=election)
    assert sorted(frame["nik"].to_list()) == sorted([a, b])


def test_new_upload_replaces_the_list_and_is_audited(election, kpu_dki, tmp_path, audit_log):
    upload_nik_list(
        election=election, category="polri", actor=kpu_dki,
        path=_write(tmp_path, f"nik\n{supporter_nik(1)}\n{supporter_nik(2)}\n"),
    )  # fmt: skip
    second = upload_nik_list(
        election=election, category="polri", actor=kpu_dki,
        path=_write(tmp_path, f"nik\n{supporter_nik(3)}\n", name="b.csv"),
    )  # fmt: skip
    assert NikList.objects.filter(election=election, category="polri").count() == 1
    assert list(NikListEntry.objects.values_list("nik", flat=True)) == [supporter_nik(3)]
    entries = [e for e in audit_log() if e.action == "candidacy.nik_list_upload"]
    assert len(entries) == 2 and entries[1].old["entries"] == 2
    assert second.replaced["entries"] == 2


def test_a_file_without_valid_nik_changes_nothing(election, kpu_dki, tmp_path):
    upload_nik_list(
        election=election, category="asn", actor=kpu_dki,
        path=_write(tmp_path, f"nik\n{supporter_nik(1)}\n"),
    )  # fmt: skip
    with pytest.raises(FileRejected):
        upload_nik_list(
            election=election, category="asn", actor=kpu_dki,
            path=_write(tmp_path, "nik\n123\n", name="bad.csv"),
        )  # fmt: skip
    with pytest.raises(FileRejected):
        upload_nik_list(
            election=election, category="asn", actor=kpu_dki,
            path=_write(tmp_path, "nama\nA\n", name="nocol.csv"),
        )  # fmt: skip
    assert list(NikListEntry.objects.values_list("nik", flat=True)) == [supporter_nik(1)]


def test_unknown_category_and_permission(election, kpu_dki, pps_gambir, tmp_path):
    path = _write(tmp_path, f"nik\n{supporter_nik(1)}\n")
    with pytest.raises(ListUploadRefused):
        upload_nik_list(election=election, category="dukun", path=path, actor=kpu_dki)
    with pytest.raises(PermissionDenied):
        upload_nik_list(election=election, category="tni", path=path, actor=pps_gambir)


def test_cli_upload_json_and_bad_file(election, tmp_path, capsys):
    path = _write(tmp_path, f"nik\n{supporter_nik(1)}\n{supporter_nik(1)}\n")
    call_command("candidacy", "lists-upload", str(path), "--category", "organiser", "--json")
    data = json.loads(capsys.readouterr().out)
    assert (data["accepted"], data["duplicates"], data["reconciles"]) == (1, 1, True)
    with pytest.raises(CommandError) as err:
        call_command("candidacy", "lists-upload", str(tmp_path / "none.csv"), "--category", "tni")
    assert err.value.returncode == 1
    call_command("candidacy", "lists", "--json")
    assert json.loads(capsys.readouterr().out)[0]["category"] == "organiser"


def test_page_lists_and_uploads(election, kpu_dki, pps_gambir, client, tmp_path):
    client.force_login(pps_gambir)
    assert client.get("/pencalonan/daftar-nik/").status_code == 403
    client.force_login(kpu_dki)
    path = _write(tmp_path, f"nik\n{supporter_nik(1)}\n")
    with open(path, "rb") as f:
        response = client.post(
            "/pencalonan/daftar-nik/", {"category": "village_official", "file": f}, follow=True
        )
    assert response.status_code == 200
    assert b'data-category="village_official"' in response.content
