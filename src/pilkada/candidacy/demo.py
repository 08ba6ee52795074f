"""The candidacy part of the demo election: what `make run` shows on the candidacy pages.

Through the app's own services, on the demo population: the basis numbers (the last DPT
counted from the loaded previous DPT), party votes of a fictional DPRD election
(``data/demo_party_votes.csv``: parties named "contoh", not real results), two party pairs
and one independent pair with the demo LO, the NIK list and the supporter list the
generator derives from the population (``pilkada synth supporters``), verified, with some
verifikasi faktual recorded by the demo PPS and some citizens' objections. The demo clock
sits inside the support stage, so no window is bypassed except the upload's (the demo
seeds data as KPU would have received it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pilkada.candidacy.models import Pair, SupportBatch, Supporter
from pilkada.voters.models import Voter

DATA = Path(__file__).resolve().parent / "data"
PARTY_PAIRS = (
    ("Andi Wibowo - Sri Lestari", ("PMR", "PKN")),
    ("Budi Santoso - Rina Marlina", ("PBR", "PHJ")),
)
INDEPENDENT = "Citra Dewi - Darmawan Putra"
#: Candidates of the demo pairs: (name, sex, birth date) per position; NIKs are generated.
CANDIDATES = {
    PARTY_PAIRS[0][0]: (("ANDI WIBOWO", "L", dt.date(1970, 3, 14)),
                        ("SRI LESTARI", "P", dt.date(1975, 8, 2))),
    PARTY_PAIRS[1][0]: (("BUDI SANTOSO", "L", dt.date(1966, 11, 5)),
                        ("RINA MARLINA", "P", dt.date(1980, 1, 23))),
    INDEPENDENT: (("CITRA DEWI", "P", dt.date(1972, 6, 30)),
                  ("DARMAWAN PUTRA", "L", dt.date(1978, 12, 9))),
}  # fmt: skip


def load_candidacy_demo(*, election, population_dir: Path, seed: int, pps_username: str,
                        say=None) -> dict:  # fmt: skip
    """Load the candidacy demo once (a second run keeps what is there)."""
    from pilkada.candidacy.services.basis import import_party_votes, set_basis
    from pilkada.candidacy.services.lists import upload_nik_list
    from pilkada.candidacy.services.pairs import add_pair, link_liaison, set_candidate
    from pilkada.candidacy.services.support import upload_support_file
    from pilkada.core import clock
    from pilkada.engine.nik import make_nik
    from pilkada.schedule.gate import is_open
    from pilkada.synth.supporters import SupporterParams, write_supporters

    say = say or (lambda message: None)
    if Pair.objects.filter(election=election).exists():
        return {"loaded": False}
    support = is_open(election=election, action="candidacy.support_upload")
    if not support:
        # Pairs are entered until registration closes and verfak runs in the support stage:
        # the demo is a picture of that stage (`make run` fixes the clock inside it).
        say(f"candidacy demo skipped: {clock.today()} is outside the support stage "
            "(run the demo with PILKADA_TODAY inside it, as `make run` does)")  # fmt: skip
        return {"loaded": False}
    previous = Voter.objects.filter(election=election, source=Voter.Source.DPT_LAMA).count()
    set_basis(election=election, actor="demo", previous_dpt_total=previous,
              previous_dpt_source="DPT lama (demo, synthetic)")  # fmt: skip
    import_party_votes(election=election, actor="demo", path=DATA / "demo_party_votes.csv")
    set_basis(election=election, actor="demo", dprd_valid_votes=sum(
        int(v) for v in pl.read_csv(DATA / "demo_party_votes.csv")["suara_sah"]))  # fmt: skip
    pairs = [add_pair(election=election, actor="demo", name=name, independent=False,
                      party_codes=codes) for name, codes in PARTY_PAIRS]  # fmt: skip
    independent = add_pair(election=election, actor="demo", name=INDEPENDENT, independent=True)
    pairs.append(independent)
    from pilkada.regions.models import Region

    kecamatan = (
        Region.objects.filter(level="kecamatan", code__startswith=election.region_code)
        .order_by("code").values_list("code", flat=True).first()
    )  # fmt: skip
    serial = 9000
    for pair in pairs:
        for position, (nama, sex, born) in zip(("head", "deputy"), CANDIDATES[pair.name],
                                               strict=True):  # fmt: skip
            serial += 1
            nik = make_nik(kecamatan_code=kecamatan, birth_date=born, sex=sex, serial=serial)
            set_candidate(pair=pair, actor="demo", position=position, nama=nama, nik=nik,
                          tanggal_lahir=born, jenis_kelamin=sex)  # fmt: skip
    link_liaison(pair=independent, actor="demo", username="lo-demo")

    # The independent pair's supporters: about 1.2 times the minimum, from the generator.
    from pilkada.candidacy.selectors.results import support_result

    minimum = support_result(pair=independent).minimum or 1000
    out = population_dir / "supporters"
    if not (out / "supporters_manifest.json").exists():
        say(f"deriving a supporter list of {round(minimum * 1.2):,} rows ...")
        write_supporters(population_dir, out, SupporterParams(rows=(round(minimum * 1.2),),
                                                              seed=seed))  # fmt: skip
    upload_nik_list(election=election, category="asn", path=out / "barred.csv", actor="demo",
                    source="demo (synthetic)")  # fmt: skip
    say("verifying the independent pair's supporters ...")
    files = sorted(out.glob("supporters_*.csv"))
    files = [f for f in files if not f.name.startswith("supporters_truth")]
    upload_support_file(election=election, pair=independent, path=files[0], actor="demo",
                        check_window=False, file_name="B.1.1-KWK (demo).csv")  # fmt: skip
    _demo_verfak(independent, pps_username, say)
    return {"loaded": True, "pairs": len(pairs),
            "supporters": Supporter.objects.filter(pair=independent).count(),
            "batches": SupportBatch.objects.filter(pair=independent).count()}  # fmt: skip


def _demo_verfak(pair: Pair, pps_username: str, say) -> None:
    """Some verifikasi faktual so that the progress pages have something to show: the demo
    PPS records two thirds of its kelurahan's supporters (a third stays for the visitor to
    do), and KPU's operator records 20 more elsewhere. Most confirm, a few deny, a few are
    not found."""
    from django.contrib.auth import get_user_model

    from pilkada.candidacy.services.verfak import record_factual_check

    pending = Supporter.objects.filter(pair=pair, verfak_status="pending").order_by("id")
    pps = get_user_model().objects.filter(username=pps_username).first()
    work = []
    if pps is not None:
        own = list(pending.filter(region_code=pps.region_code))
        work += [(row, pps) for row in own[: len(own) * 2 // 3]]
        pending = pending.exclude(region_code=pps.region_code)
    work += [(row, "demo") for row in pending[:20]]
    say(f"recording verifikasi faktual for {len(work)} supporters ...")
    for i, (row, actor) in enumerate(work):
        if i % 10 == 7:
            record_factual_check(supporter=row, actor=actor, outcome="met_denies",
                                 denial_form=f"BA-DEMO-{i:03d}")  # fmt: skip
        elif i % 10 == 9:
            record_factual_check(supporter=row, actor=actor, outcome="not_found")
        else:
            record_factual_check(supporter=row, actor=actor, outcome="met_confirms")
