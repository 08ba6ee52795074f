"""import_voter_file: the gate, the load, the batch, the audit entry, the counts; atomicity
and re-runs."""

from __future__ import annotations

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection

from pilkada.audit.models import AuditEntry
from pilkada.engine.dp4_import import DP4Stream, FileProblem, FileRejected
from pilkada.schedule.gate import StageClosed
from pilkada.voters import services
from pilkada.voters.models import ImportBatch, RegionVoterCount, Voter
from pilkada.voters.services import ImportRefused, import_voter_file

from .conftest import person

pytestmark = pytest.mark.django_db


def snapshot(election) -> dict:
    """Everything an import may change."""
    return {
        "voters": sorted(
            Voter.objects.filter(election=election).values_list("batch_id", "line", "nik")
        ),
        "batches": sorted(ImportBatch.objects.values_list("id", "kind", "sha256", "rows")),
        "counts": sorted(
            RegionVoterCount.objects.filter(election=election).values_list("region_code", "total")
        ),
        "audit": AuditEntry.objects.count(),
        "schema": table_constraints(),
    }


def table_constraints() -> list[str]:
    """Indexes and foreign keys of the voter table (a bulk load drops and rebuilds them)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Voter._meta.db_table)
    return sorted(
        f"{'fk' if c['foreign_key'] else 'index'}:{','.join(c['columns'])}"
        for c in found.values()
        if c["foreign_key"] or (c["index"] and not c["primary_key"])
    )


def imports_dir(settings, election):
    return settings.DATA_DIR / "imports" / election.slug


def test_import_loads_rows_batch_audit_and_counts(election, dp4_file, settings, kpu_dki):
    rows = [person(i) for i in range(1, 8)]
    rows.append(person(8, nik="3.17101E+15"))  # flagged
    rows.append(person(9, kode_kelurahan="32.01.01.1001"))  # rejected: another province
    rows.append("")  # a blank line
    path = dp4_file(rows)
    before = AuditEntry.objects.count()

    result = import_voter_file(election=election, path=path, kind="dp4", actor=kpu_dki)

    outcome = result.outcome
    assert (outcome.read, outcome.accepted, outcome.flagged, outcome.rejected) == (9, 7, 1, 1)
    assert outcome.blank == 1 and outcome.reconciles
    batch = ImportBatch.objects.get()
    assert batch == result.batch
    assert (batch.kind, batch.file_name, batch.rows) == ("dp4", "dp4.csv", 8)
    assert (batch.read, batch.accepted, batch.flagged, batch.rejected, batch.blank) == (
        9, 7, 1, 1, 1,
    )  # fmt: skip
    assert batch.sha256 == services.file_sha256(path)
    assert batch.imported_by == "kpu-dki"
    assert batch.report["flags"] == {"nik_scientific_notation": 1}
    assert batch.report["window"]["stage"] == "penyerahan-dp4"

    voters = Voter.objects.filter(election=election)
    assert voters.count() == 8
    assert set(voters.values_list("source", flat=True)) == {"dp4"}
    assert set(voters.values_list("status", flat=True)) == {"pending"}
    flagged = voters.get(Voter.flag_q("nik_scientific_notation"))
    assert flagged.line == 9 and flagged.nik == "3.17101E+15"
    assert flagged.flags == ["nik_scientific_notation"]
    clean = voters.get(line=2)
    assert clean.kelurahan_code == "3171011001" and clean.tms_code is None
    assert clean.tps_code is None and clean.tms_note == ""

    rejects = settings.DATA_DIR / batch.rejects_file
    assert rejects.parent == imports_dir(settings, election)
    frame = pl.read_csv(rejects, infer_schema=False)
    assert frame["line"].to_list() == ["10"] and frame["reason_code"].to_list() == [
        "outside_region"
    ]
    assert not list(rejects.parent.glob(".*staging*")), "the staging file is removed"

    entries = AuditEntry.objects.filter(seq__gt=before)
    assert entries.count() == 1
    entry = entries.get()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "voters.import", "voters.ImportBatch", str(batch.pk),
    )  # fmt: skip
    assert entry.actor == "kpu-dki" and entry.old is None
    assert entry.new["accepted"] == 7 and entry.new["rejected"] == 1
    assert entry.new["sha256"] == batch.sha256

    counts = {c.region_code: c for c in RegionVoterCount.objects.filter(election=election)}
    assert counts["31"].total == 8
    assert counts["31"].laki_laki + counts["31"].perempuan == 8
    assert counts["3171011001"].total + counts["3171011002"].total == 8
    assert counts["317101"].total == 8


def test_window_closed_refuses_and_changes_nothing(election, dp4_file, election_today, settings):
    path = dp4_file([person(1)])
    election_today("2024-07-01")  # coklit: the DP4 window closed on 31 May
    before = snapshot(election)
    with pytest.raises(StageClosed) as exc:
        import_voter_file(election=election, path=path, kind="dp4")
    decision = exc.value.decision
    assert decision.window.stage_code == "penyerahan-dp4"
    assert "31 Mei 2024" in decision.reason
    assert snapshot(election) == before
    assert not imports_dir(settings, election).exists() or not any(
        imports_dir(settings, election).iterdir()
    )


def test_dpt_lama_uses_the_dp4_window_and_is_not_counted(election, dp4_file, election_today):
    import_voter_file(election=election, path=dp4_file([person(1), person(2)]), kind="dp4")
    import_voter_file(
        election=election, path=dp4_file([person(3)], name="dpt.csv"), kind="dpt-lama"
    )
    assert ImportBatch.objects.count() == 2
    assert Voter.objects.filter(source="dpt-lama").count() == 1
    assert RegionVoterCount.objects.get(election=election, region_code="31").total == 2
    election_today("2024-06-15")
    with pytest.raises(StageClosed):
        import_voter_file(election=election, path=dp4_file([person(4)]), kind="dpt-lama")


def test_failure_mid_load_leaves_the_database_as_it_was(election, dp4_file, settings, monkeypatch):
    import_voter_file(election=election, path=dp4_file([person(1), person(2)]), kind="dp4")
    before = snapshot(election)
    assert before["voters"]
    assert "index:nik" in before["schema"] and "fk:batch_id" in before["schema"]

    good_frames = DP4Stream.frames

    def frames_then_broken(self):
        first = next(good_frames(self))
        yield first  # a good first batch goes in ...
        yield first.with_columns(pl.lit(None, pl.String).alias("nama"))  # ... then NOT NULL

    monkeypatch.setattr(DP4Stream, "frames", frames_then_broken)
    rows = [person(i) for i in range(10, 30)]
    with pytest.raises(IntegrityError):
        import_voter_file(election=election, path=dp4_file(rows, name="second.csv"), kind="dp4")
    assert snapshot(election) == before
    left = sorted(p.name for p in imports_dir(settings, election).iterdir())
    assert len(left) == 1 and left[0].endswith("-rejects.csv"), left  # the first import's


def test_reimport_replaces_the_batch(election, dp4_file):
    path = dp4_file([person(i) for i in range(1, 6)])
    first = import_voter_file(election=election, path=path, kind="dp4")
    again = import_voter_file(election=election, path=path, kind="dp4")
    assert ImportBatch.objects.get().pk == again.batch.pk != first.batch.pk
    assert Voter.objects.count() == 5
    assert set(Voter.objects.values_list("batch_id", flat=True)) == {again.batch.pk}
    assert again.replaced["batch_id"] == first.batch.pk
    entry = AuditEntry.objects.filter(action="voters.import").order_by("-seq").first()
    assert entry.old["batch_id"] == first.batch.pk and entry.old["rows"] == 5
    assert RegionVoterCount.objects.get(election=election, region_code="31").total == 5

    smaller = import_voter_file(election=election, path=dp4_file([person(7)]), kind="dp4")
    assert Voter.objects.count() == 1 and smaller.replaced["rows"] == 5
    assert RegionVoterCount.objects.get(election=election, region_code="31").total == 1


def test_reimport_refused_once_coklit_has_worked_on_the_batch(election, dp4_file):
    import_voter_file(election=election, path=dp4_file([person(1), person(2)]), kind="dp4")
    Voter.objects.filter(line=2).update(status=Voter.Status.MS)
    before = snapshot(election)
    with pytest.raises(ImportRefused, match="coklit") as exc:
        import_voter_file(election=election, path=dp4_file([person(3)]), kind="dp4")
    assert exc.value.code == "register_in_use"
    assert snapshot(election) == before


@pytest.mark.parametrize("work", ["coklit_record", "ktp_el"])
def test_reimport_refused_after_changed_data_or_an_issued_ktp_el(election, dp4_file, work):
    """Work that leaves the status pending still counts: a coklit change of data, a KTP-el."""
    from pilkada.voters.models import CoklitRecord, KtpElIssuance

    import_voter_file(election=election, path=dp4_file([person(1), person(2)]), kind="dp4")
    voter = Voter.objects.get(line=2)
    if work == "coklit_record":
        CoklitRecord.objects.create(election=election, voter=voter, kind="change", actor="t")
    else:
        KtpElIssuance.objects.create(
            election=election, voter_id=voter.pk, kelurahan_code=voter.kelurahan_code
        )
    before = snapshot(election)
    with pytest.raises(ImportRefused) as exc:
        import_voter_file(election=election, path=dp4_file([person(3)]), kind="dp4")
    assert exc.value.code == "register_in_use"
    assert snapshot(election) == before


def test_bad_files_are_refused_with_nothing_changed(election, dp4_file, tmp_path, settings):
    before = snapshot(election)
    missing = tmp_path / "cols.csv"
    missing.write_text("nkk,nik,nama\n1,2,3\n")
    with pytest.raises(FileRejected) as exc:
        import_voter_file(election=election, path=missing, kind="dp4")
    assert exc.value.problem is FileProblem.MISSING_COLUMNS
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(FileRejected) as exc:
        import_voter_file(election=election, path=empty, kind="dp4")
    assert exc.value.problem is FileProblem.EMPTY
    with pytest.raises(ImportRefused) as exc:
        import_voter_file(election=election, path=missing, kind="dps")
    assert exc.value.code == "unknown_kind"
    assert snapshot(election) == before
    assert not any(imports_dir(settings, election).glob("*"))


def test_a_file_with_only_rejected_rows_keeps_its_rejects_file(election, dp4_file, settings):
    path = dp4_file([person(1, kode_kelurahan="32.01.01.1001")])
    with pytest.raises(FileRejected) as exc:
        import_voter_file(election=election, path=path, kind="dp4")
    assert exc.value.problem is FileProblem.NOTHING_READABLE
    assert Voter.objects.count() == 0 and ImportBatch.objects.count() == 0
    kept = list(imports_dir(settings, election).glob("*-rejects.csv"))
    assert len(kept) == 1


def test_permission(election, dp4_file, pps, kpu_dki):
    path = dp4_file([person(1)])
    with pytest.raises(PermissionDenied):
        import_voter_file(election=election, path=path, kind="dp4", actor=pps)
    assert Voter.objects.count() == 0
    import_voter_file(election=election, path=path, kind="dp4", actor=kpu_dki)
    assert Voter.objects.count() == 1


def test_replace_population_seeds_outside_the_window(election, dp4_file, election_today):
    election_today("2024-07-01")
    batch = services.replace_population(election=election, path=dp4_file([person(1)]))
    assert batch.rows == 1
    entry = AuditEntry.objects.filter(action="voters.population.replace").get()
    assert entry.new["window"] == "not checked (seed)"
    assert not AuditEntry.objects.filter(action="voters.import").exists()


def test_progress_reports_read_and_load(election, dp4_file):
    events = []
    import_voter_file(
        election=election,
        path=dp4_file([person(i) for i in range(1, 4)]),
        kind="dp4",
        progress=events.append,
    )
    stages = [e.stage for e in events]
    assert "read" in stages and stages[-1] == "load"
    assert events[-1].rows == events[-1].total == 3


def test_xlsx_import_through_the_service(election, tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    from .conftest import HEADER

    path = tmp_path / "dp4.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("DP4")
    sheet.write_row(0, 0, HEADER)
    for r, i in enumerate(range(1, 4), start=1):
        row = person(i)
        sheet.write_row(r, 0, [row[c] for c in HEADER])
        sheet.write_number(r, 1, int(row["nik"]))  # the NIK as an Excel number
    workbook.close()
    result = import_voter_file(election=election, path=path, kind="dp4")
    assert result.outcome.file_format == "xlsx" and result.outcome.accepted == 3
    assert sorted(Voter.objects.values_list("line", flat=True)) == [2, 3, 4]


def test_engine_widths_match_the_voter_table():
    from pilkada.engine.dp4_import import MAX_LENGTHS

    for name, width in MAX_LENGTHS.items():
        assert Voter._meta.get_field(name).max_length == width, name


def test_job_progress_adapter():
    from pilkada.engine.dp4_import import Progress

    calls = []
    report = services.job_progress(lambda done, total=None, message="": calls.append((done, total)))
    report(Progress(stage="read", rows=10, fraction=0.5))
    report(Progress(stage="load", rows=4, total=10))
    assert calls == [(10, None), (4, 10)]
