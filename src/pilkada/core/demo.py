"""The demo election: what `make run` loads so that every screen has something to show.

Everything here goes through the apps' own services; the only Jakarta-specific choices are
the data files named below (the demo election file and the province code it names).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from pilkada.accounts.services import ensure_demo_accounts
from pilkada.schedule.services import ensure_demo_election
from pilkada.synth.population import PopulationParams, write_population
from pilkada.synth.previous_dpt import PreviousDptParams, write_previous_dpt
from pilkada.voters.models import ImportBatch, Voter
from pilkada.voters.services import file_sha256, replace_population
from pilkada.voters.services.duplicates import detect_duplicates
from pilkada.voters.services.eligibility import MemberList, check_eligibility
from pilkada.voters.services.sync import synchronise
from pilkada.voters.services.tps import form_tps_for_election

DEMO_PASSWORD = "demo-pilkada-2024"  # noqa: S105 - printed to the demo user on purpose
# The demo accounts sit in the capital city's first kecamatan (31.71 Jakarta Pusat): the
# kab/kota is a parameter of ensure_demo_accounts, this is only the demo's choice.
DEMO_KABKOTA = "3171"


@dataclass
class DemoResult:
    election: object
    accounts: list
    voters: int
    population_dir: Path
    generated: bool
    loaded: bool


def population_dir(voters: int, seed: int) -> Path:
    return settings.DATA_DIR / "demo" / f"population-{voters}-{seed}"


def load_demo(*, voters: int, seed: int, out=None) -> DemoResult:
    """Load (or keep) the demo election, its accounts and a synthetic population.

    Safe to re-run: the population is generated once per (voters, seed) and loaded again
    only when the election's current DP4 batch is a different file.
    """
    say = out or (lambda message: None)
    election = ensure_demo_election()
    province = election.region_code[:2]
    accounts = ensure_demo_accounts(
        province_code=province, password=DEMO_PASSWORD, kabkota_code=DEMO_KABKOTA
    )
    directory = population_dir(voters, seed)
    dp4 = directory / "dp4.csv"
    generated = False
    if not dp4.exists():
        say(f"generating a synthetic population of {voters:,} voters (seed {seed}) ...")
        write_population(PopulationParams(voters=voters, seed=seed, province=province), directory)
        generated = True
    sha = file_sha256(dp4)
    current = ImportBatch.objects.filter(election=election, kind=ImportBatch.Kind.DP4).first()
    loaded = False
    if current is None or current.sha256 != sha:
        say(f"loading {dp4} into the database ...")
        current = replace_population(election=election, path=dp4, actor="demo")
        loaded = True
    _load_previous_dpt(election, directory, seed, say)
    if loaded or not Voter.objects.filter(election=election, tps_code__isnull=False).exists():
        _prepare_register(election, directory, say)
    from pilkada.candidacy.demo import load_candidacy_demo

    pps = next((a[0] for a in accounts if a[1] == "pps"), "")
    load_candidacy_demo(
        election=election, population_dir=directory, seed=seed, pps_username=pps, say=say
    )
    from pilkada.adhoc.demo import load_adhoc_demo

    load_adhoc_demo(election=election, population_dir=directory, pps_username=pps, say=say)
    return DemoResult(
        election=election,
        accounts=accounts,
        voters=current.rows,
        population_dir=directory,
        generated=generated,
        loaded=loaded,
    )


def _load_previous_dpt(election, directory: Path, seed: int, say) -> None:
    """The previous DPT (a synthetic one derived from the population), for synchronisation."""
    path = directory / "previous_dpt.csv"
    if not path.exists():
        say("deriving the previous DPT from the population ...")
        write_previous_dpt(directory, directory, PreviousDptParams(seed=seed))
    kind = ImportBatch.Kind.DPT_LAMA
    current = ImportBatch.objects.filter(election=election, kind=kind).first()
    if current is None or current.sha256 != file_sha256(path):
        say(f"loading {path} into the database ...")
        replace_population(election=election, path=path, actor="demo", kind=kind)


def _member_lists(directory: Path) -> dict[str, MemberList]:
    """The TNI and Polri lists KPU would receive: here, the NIKs the truth file marks."""
    import polars as pl

    dp4 = pl.read_csv(directory / "dp4.csv", infer_schema=False, columns=["nik"])
    truth = pl.read_csv(directory / "truth.csv", infer_schema=False, columns=["defect"])
    both = pl.concat([dp4, truth], how="horizontal")
    return {
        kind: MemberList(
            niks=both.filter(defect=kind).get_column("nik").unique().sort().to_list(),
            file_name=f"{kind}.csv (demo)",
        )
        for kind in ("tni", "polri")
    }


def _prepare_register(election, directory: Path, say) -> None:
    """What KPU does before coklit, through the same services: the eligibility check, the
    synchronisation with the previous DPT, the duplicate search (left for review) and TPS
    formation (the demo runs on a clock inside coklit, so windows are not asked)."""
    say("checking eligibility (under age, TNI, Polri) ...")
    check_eligibility(
        election=election, actor="demo", check_window=False, **_member_lists(directory)
    )
    say("synchronising the DP4 with the previous DPT ...")
    synchronise(election=election, actor="demo", check_window=False)
    say("looking for duplicates (ganda) ...")
    detect_duplicates(election=election, actor="demo", check_window=False)
    say("forming TPS ...")
    form_tps_for_election(election=election, actor="demo", check_window=False)
