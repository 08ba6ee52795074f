"""Helpers of the applications-area tests: register rows, the party-member list, listed
supporters (objected, denied, withdrawn or not) and seated members, written straight into
their tables."""

from __future__ import annotations

import datetime as dt
import itertools

from pilkada.adhoc.models import Member
from pilkada.candidacy.models import NikList, NikListEntry, Pair, SupportBatch, Supporter
from pilkada.candidacy.models.verfak import FactualCheck
from pilkada.voters.models import Voter

_lines = itertools.count(1)


def register_row(election, application=None, *, nik=None, **fields) -> Voter:
    """A register row for ``application``'s person (same data unless ``fields`` say else)."""
    values = {
        "election": election, "source": Voter.Source.DP4, "line": next(_lines),
        "nkk": (application.nkk if application else "") or "3171010101010001",
        "nik": nik or application.nik,
        "nama": application.nama if application else "WARGA",
        "tanggal_lahir": application.tanggal_lahir if application else dt.date(1990, 4, 1),
        "jenis_kelamin": application.jenis_kelamin if application else "P",
        "status_kawin": application.status_kawin if application else "B",
        "kelurahan_code": application.domicile_code if application else "3171011001",
        "status": Voter.Status.MS,
    }  # fmt: skip
    values.update(fields)
    return Voter.objects.create(**values)


def party_list(election, niks, *, category=NikList.Category.PARTY) -> NikList:
    nik_list = NikList.objects.create(election=election, category=category, entries=len(niks))
    NikListEntry.objects.bulk_create(NikListEntry(nik_list=nik_list, nik=n) for n in niks)
    return nik_list


_pairs = itertools.count(1)


def listed_supporter(
    election, nik, *, objected=False, denied=False, batch_withdrawn=False, pair_withdrawn=False,
    vermin_status="ms",
) -> Supporter:  # fmt: skip
    """``nik`` listed as a supporter of a new independent pair."""
    pair = Pair.objects.create(
        election=election, name=f"Pasangan {next(_pairs)}", path=Pair.Path.INDEPENDENT,
        status=Pair.Status.WITHDRAWN if pair_withdrawn else Pair.Status.PROSPECTIVE,
    )  # fmt: skip
    batch = SupportBatch.objects.create(
        election=election, pair=pair, file_name="dukungan.csv", sha256="-",
        state=SupportBatch.State.WITHDRAWN if batch_withdrawn else SupportBatch.State.VERIFIED,
    )  # fmt: skip
    supporter = Supporter.objects.create(
        election=election, pair=pair, batch=batch, line=2, nik=nik, nama="PENDUKUNG",
        vermin_status=vermin_status, objected=objected,
    )  # fmt: skip
    if denied:
        FactualCheck.objects.create(
            supporter=supporter,
            outcome=FactualCheck.Outcome.DENIES,
            recorded_by="pps",
            recorded_on=dt.date(2024, 7, 1),
        )
    return supporter


def seat(application, *, state=Member.State.ACTIVE) -> Member:
    return Member.objects.create(
        election=application.election, body=application.body,
        region_code=application.region_code, application=application, state=state,
    )  # fmt: skip
