"""The shipped schedule and the demo election load, idempotently and audited."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pilkada.audit.models import AuditEntry
from pilkada.audit.verify import verify_chain
from pilkada.schedule import selectors
from pilkada.schedule.models import Election, Stage
from pilkada.schedule.services import (
    DATA_DIR,
    DEMO_ELECTION_FILE,
    ensure_demo_election,
    load_election,
    load_election_file,
    update_stage,
)

TEMPLATE = DATA_DIR / "pilkada2024.json"

# The windows the design brief gives (PKPU 2/2024 for Pilkada 2024).
BRIEF_WINDOWS = {
    "pembentukan-badan-adhoc": ("2024-04-17", "2024-11-05"),
    "penyerahan-dp4": ("2024-04-24", "2024-05-31"),
    "dukungan-perseorangan": ("2024-05-05", "2024-08-19"),
    "pemutakhiran-daftar-pemilih": ("2024-05-31", "2024-09-23"),
    "coklit": ("2024-06-24", "2024-07-24"),
    "pengumuman-pendaftaran": ("2024-08-24", "2024-08-26"),
    "pendaftaran-paslon": ("2024-08-27", "2024-08-29"),
    "penelitian-persyaratan": ("2024-08-27", "2024-09-21"),
    "penetapan-paslon": ("2024-09-22", "2024-09-22"),
    "pengundian-nomor-urut": ("2024-09-23", "2024-09-23"),
    "kampanye": ("2024-09-25", "2024-11-23"),
    "masa-tenang": ("2024-11-24", "2024-11-26"),
    "pemungutan-suara": ("2024-11-27", "2024-11-27"),
    "penghitungan-rekapitulasi": ("2024-11-27", "2024-12-16"),
}


def test_shipped_demo_election_loads(election):
    assert (election.slug, election.kind, election.region_code, election.year) == (
        "pilgub-dki-2024",
        "gubernur",
        "31",
        2024,
    )
    assert election.name == "Pemilihan Gubernur dan Wakil Gubernur DKI Jakarta 2024"
    assert election.voting_day.isoformat() == "2024-11-27"
    stages = {s.code: s for s in selectors.stages(election=election)}
    for code, (start, end) in BRIEF_WINDOWS.items():
        assert (stages[code].start.isoformat(), stages[code].end.isoformat()) == (start, end)
        assert stages[code].source == "design-brief"
    assert stages["coklit"].parent_code == "pemutakhiran-daftar-pemilih"
    assert stages["coklit"].name == "Pencocokan dan penelitian (coklit)"
    assert stages["pemungutan-suara"].is_voting_day
    for action in [
        "adhoc.apply",
        "voters.import_dp4",
        "candidacy.support_upload",
        "voters.coklit",
        "candidacy.register",
        "results.submit_chasil",
        "results.recap",
    ]:
        assert action in selectors.known_actions(election=election)


def test_template_is_not_specific_to_any_region():
    text = TEMPLATE.read_text()
    assert "Jakarta" not in text and "DKI" not in text and "region_code" not in text
    data = json.loads(text)
    assert all(stage.get("source") for stage in data["stages"])


def test_load_is_idempotent_and_audited_once(election):
    assert AuditEntry.objects.filter(action="schedule.election.create").count() == 1
    entries_before = AuditEntry.objects.count()
    again = ensure_demo_election()
    assert again.pk == election.pk
    assert Election.objects.count() == 1 and Stage.objects.count() == len(
        json.loads(TEMPLATE.read_text())["stages"]
    )
    assert AuditEntry.objects.count() == entries_before  # nothing changed, nothing written
    created = AuditEntry.objects.get(action="schedule.election.create")
    assert created.actor == "system" and created.new["region_code"] == "31"
    assert {s["code"] for s in created.new["stages"]} >= set(BRIEF_WINDOWS)
    assert verify_chain().ok


def test_reload_keeps_windows_moved_by_kpu(election, kpu_dki):
    coklit = election.stages.get(code="coklit")
    update_stage(actor=kpu_dki, stage=coklit, start="2024-06-24", end="2024-07-31")
    result = load_election_file(path=DEMO_ELECTION_FILE)
    assert result.date_differences == ["coklit"]
    coklit.refresh_from_db()
    assert coklit.end.isoformat() == "2024-07-31"


def write_election(tmp_path: Path, template: dict, **overrides) -> Path:
    (tmp_path / "tpl.json").write_text(json.dumps(template))
    election = json.loads(DEMO_ELECTION_FILE.read_text())
    election["schedule"] = "tpl.json"
    election.update(overrides)
    path = tmp_path / "election.json"
    path.write_text(json.dumps(election))
    return path


def test_reload_adds_new_stages_and_syncs_metadata(election, tmp_path):
    template = json.loads(TEMPLATE.read_text())
    template["stages"].insert(
        6,
        {
            "code": "pengumuman-dps",
            "parent": "pemutakhiran-daftar-pemilih",
            "name": "Pengumuman DPS",
            "start": "2024-08-19",
            "end": "2024-08-28",
            "actions": ["voters.dps_response"],
            "source": "test",
        },
    )
    coklit = next(s for s in template["stages"] if s["code"] == "coklit")
    coklit["actions"] = ["voters.coklit", "voters.coklit_report"]
    result = load_election_file(path=write_election(tmp_path, template))
    assert result.stages_created == ["pengumuman-dps"]
    assert "coklit" in result.stages_updated
    sync = AuditEntry.objects.get(action="schedule.stage.sync", object_id="pilgub-dki-2024/coklit")
    assert sync.old["actions"] == ["voters.coklit"]
    assert sync.new["actions"] == ["voters.coklit", "voters.coklit_report"]
    assert AuditEntry.objects.filter(action="schedule.stage.create").count() == 1
    orders = [s.code for s in selectors.stages(election=election)]
    assert orders.index("pengumuman-dps") == orders.index("coklit") + 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"region_code": "3171"}, "Kode wilayah 3171"),
        ({"kind": "presiden"}, "Jenis pemilihan presiden"),
        ({"voting_day": "2024-12-04", "year": 2024}, "Hari pemungutan suara 4 Desember 2024"),
        ({"voting_day": "27-11-2024"}, "tidak valid"),
        ({"slug": "Pilgub DKI"}, "Kode pemilihan"),
        ({"name": ""}, "kolom name wajib diisi"),
        ({"schedule": "tidak-ada"}, "Jadwal tidak-ada tidak ditemukan"),
    ],
)
def test_bad_election_files_are_refused_with_a_reason(db, tmp_path, overrides, message):
    path = write_election(tmp_path, json.loads(TEMPLATE.read_text()), **overrides)
    with pytest.raises(ValidationError) as info:
        load_election(path=path)
    assert message in " ".join(info.value.messages)
    assert Election.objects.count() == 0 and AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t["stages"][0].update(end="2024-04-01"), "sebelum tanggal mulai"),
        (lambda t: t["stages"][5].update(end="2024-09-30"), "di dalam tahap induknya"),
        (lambda t: t["stages"][5].update(parent="tidak-ada"), "tahap induk tidak-ada"),
        (lambda t: t["stages"][1].update(actions=["DP4 import"]), "kode kegiatan"),
        (lambda t: t["stages"].append(dict(t["stages"][0])), "ganda"),
        (
            lambda t: next(s for s in t["stages"] if s.get("voting_day")).pop("voting_day"),
            "tepat satu tahap pemungutan suara",
        ),
    ],
)
def test_bad_templates_are_refused(db, tmp_path, change, message):
    template = json.loads(TEMPLATE.read_text())
    change(template)
    with pytest.raises(ValidationError) as info:
        load_election(path=write_election(tmp_path, template))
    assert message in " ".join(info.value.messages)


def test_load_by_a_user_needs_schedule_edit(db, pps, kpu_jabar, kpu_dki):
    with pytest.raises(PermissionDenied):
        ensure_demo_election(actor=pps)
    with pytest.raises(PermissionDenied):
        ensure_demo_election(actor=kpu_jabar)
    election = ensure_demo_election(actor=kpu_dki)
    assert AuditEntry.objects.get(action="schedule.election.create").actor == "kpu-dki"
    assert election.stages.exists()


def test_reload_of_a_different_election_under_the_same_slug_is_refused(election, tmp_path):
    template = json.loads(TEMPLATE.read_text())
    path = write_election(tmp_path, template, kind="walikota", region_code="3171")
    with pytest.raises(ValidationError, match="sudah ada"):
        load_election(path=path)
