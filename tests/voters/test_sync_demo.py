"""End to end on the demo population (3,000 voters): duplicates and synchronisation."""

from __future__ import annotations

import polars as pl
import pytest

from pilkada.voters.models import DuplicateGroup, SyncRegionCount, Voter
from pilkada.voters.selectors.duplicates import export_rows
from pilkada.voters.services import import_voter_file
from pilkada.voters.services.duplicates import detect_duplicates
from pilkada.voters.services.sync import synchronise

from .conftest import DP4_WINDOW_DAY
from .duplicates_support import REVIEW_DAY

pytestmark = pytest.mark.django_db


def test_demo_end_to_end(demo, election_today, tmp_path):
    election = demo.election
    dp4 = pl.read_csv(demo.population_dir / "dp4.csv", infer_schema=False)
    # A previous DPT: the DP4 without its last 200 rows (new voters), 100 people who have
    # left since, and 50 whose NIK was corrected since (found by name and birth date).
    previous = dp4.head(dp4.height - 200)
    changed = previous.head(50).with_columns(
        nik=pl.col("nik").str.slice(0, 12) + pl.lit("9") + pl.col("nik").str.slice(13)
    )
    gone = dp4.head(100).with_columns(
        nama=pl.lit("ORANG LAMA ") + pl.int_range(0, 100).cast(pl.String).str.zfill(3),
        nik=pl.col("nik").str.slice(0, 12) + pl.lit("8") + pl.col("nik").str.slice(13),
    )
    path = tmp_path / "dpt.csv"
    pl.concat([changed, previous.slice(50), gone]).write_csv(path)
    election_today(DP4_WINDOW_DAY)
    import_voter_file(election=election, path=path, kind="dpt-lama", actor="test")
    election_today(REVIEW_DAY)

    run = synchronise(election=election, actor="test")
    assert run.reconciles
    assert run.dp4_rows == Voter.objects.filter(election=election, source="dp4").count()
    assert run.previous_rows == Voter.objects.filter(source="dpt-lama").count()
    assert run.found_by_fuzzy >= 40  # most of the 50 corrected NIKs (ambiguous keys aside)
    assert run.missing >= 100
    province = SyncRegionCount.objects.get(run=run, region_code=election.region_code)
    assert province.dp4_rows == run.dp4_rows and province.missing == run.missing

    dup = detect_duplicates(election=election, actor="test")
    examined = Voter.objects.filter(election=election, source__in=["dp4", "coklit"]).exclude(
        status="tms"
    )
    assert dup.rows == examined.count() and dup.groups > 0
    rows = list(export_rows(user=None, election=election))
    assert len(rows) == sum(g.size for g in DuplicateGroup.objects.all())
    assert list(rows[0])[:4] == ["group_id", "nik", "nama", "status"]
