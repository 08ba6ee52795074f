"""The basis numbers and the party votes: setting them, the CSV import with line-numbered
errors (all-or-nothing), the lock after penetapan, the minimum support they give."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.candidacy.models import CandidacyBasis, Pair, PairParty, PartyVote
from pilkada.candidacy.selectors import pairs as selectors
from pilkada.candidacy.services import basis as services
from pilkada.candidacy.services.basis import BasisRefused, PartyImportRejected

from .pairs_support import DKI_LAST_DPT, PARTY_CSV

pytestmark = pytest.mark.django_db


def snapshot(election):
    return sorted(
        PartyVote.objects.filter(election=election).values_list(
            "code", "name", "valid_votes", "seats"
        )
    )


def imp(election, actor, text: str, encoding="utf-8"):
    return services.import_party_votes(
        election=election, actor=actor, data=text.encode(encoding), file_name="partai.csv"
    )


# --- the basis --------------------------------------------------------------------------


def test_set_basis_new_then_partial_update(election, kpu_dki, audit_log):
    basis = services.set_basis(
        election=election,
        actor=kpu_dki,
        previous_dpt_total=DKI_LAST_DPT,
        previous_dpt_source="DPT Pemilu 2024",
    )
    assert basis.previous_dpt_total == DKI_LAST_DPT and basis.dpt_total is None
    assert basis.set_by == "kpu-dki"
    services.set_basis(election=election, actor=kpu_dki, dprd_valid_votes=6_000_000)
    basis.refresh_from_db()
    assert (basis.previous_dpt_total, basis.dprd_valid_votes) == (DKI_LAST_DPT, 6_000_000)
    entries = audit_log()
    assert [e.action for e in entries] == ["candidacy.basis.set"] * 2
    assert entries[0].old is None and entries[1].old["dprd_valid_votes"] is None
    assert entries[1].new["dprd_valid_votes"] == 6_000_000
    # The same values again: nothing written.
    services.set_basis(election=election, actor=kpu_dki, dprd_valid_votes=6_000_000)
    assert len(audit_log()) == 2


def test_set_basis_bad_values(election, kpu_dki):
    with pytest.raises(BasisRefused) as exc:
        services.set_basis(election=election, actor=kpu_dki, dpt_total=5)
    assert exc.value.code == "bad_input"  # a new basis needs the last DPT
    for bad in (0, -5, "100", 1.5, True):
        with pytest.raises(BasisRefused):
            services.set_basis(election=election, actor=kpu_dki, previous_dpt_total=bad)
    assert not CandidacyBasis.objects.exists()


def test_set_basis_needs_kpu_of_the_region(election, kpu_jakpus, bawaslu_dki):
    for user in (kpu_jakpus, bawaslu_dki):
        with pytest.raises(PermissionDenied):
            services.set_basis(election=election, actor=user, previous_dpt_total=100)


def test_basis_is_locked_after_penetapan(election, kpu_dki, make_pair):
    services.set_basis(election=election, actor=kpu_dki, previous_dpt_total=100)
    pair = make_pair("A")
    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.SET)
    with pytest.raises(BasisRefused) as exc:
        services.set_basis(election=election, actor=kpu_dki, previous_dpt_total=200)
    assert exc.value.code == "locked"
    with pytest.raises(BasisRefused):
        imp(election, kpu_dki, PARTY_CSV)
    assert CandidacyBasis.objects.get().previous_dpt_total == 100


def test_suggestion_counts_the_previous_dpt_rows(election):
    from pilkada.voters.models import Voter

    Voter.objects.bulk_create(
        Voter(
            election=election,
            source=source,
            nik=str(i),
            nkk="1",
            nama="X",
            kelurahan_code="3171011001",
        )
        for i, source in enumerate(["dpt-lama", "dpt-lama", "dp4", "dpt-lama"])
    )
    assert selectors.basis_suggestion(election).previous_dpt_register == 3


# --- the party votes ----------------------------------------------------------------------


def test_import_party_votes(election, kpu_dki, audit_log):
    result = imp(election, kpu_dki, PARTY_CSV)
    assert (result.parties, result.created, result.total_valid_votes) == (5, 5, 1_000_000)
    assert result.total_seats == 70
    assert snapshot(election)[0] == ("A", "Partai A", 300_000, 20)
    [entry] = audit_log()
    assert entry.action == "candidacy.party_votes.import"
    assert entry.new["sha256"] == result.sha256 and entry.new["changed"]["B"][1] == 75_000
    assert selectors.basis_suggestion(election).party_votes_sum == 1_000_000


def test_reimport_updates_and_removes(election, kpu_dki, audit_log):
    imp(election, kpu_dki, PARTY_CSV)
    text = "kode;nama;suara_sah;kursi\nA;Partai A;300.001;20\nB;Partai B;75000;\n"
    result = imp(election, kpu_dki, text)
    assert (result.updated, result.unchanged, result.removed) == (2, 0, 3)
    assert snapshot(election) == [("A", "Partai A", 300_001, 20), ("B", "Partai B", 75_000, None)]
    assert set(audit_log()[-1].old) == {"A", "B", "C", "D", "E"}


def test_errors_carry_their_line_and_nothing_changes(election, kpu_dki):
    imp(election, kpu_dki, PARTY_CSV)
    before = snapshot(election)
    text = (
        "kode,nama,suara_sah,kursi\n"
        "A,Partai A,100,1\n"
        "\n"  # blank line 3: skipped, still counted
        ",Tanpa Kode,5,\n"  # line 4
        "B,,1.5,x\n"  # line 5: three errors
        "a,Lagi A,10,\n"  # line 6: duplicate code (case-insensitive)
        "C,Partai C,10\n"  # line 7: three cells
        "D,Partai D,3.17E+05,\n"  # line 8
    )
    with pytest.raises(PartyImportRejected) as exc:
        imp(election, kpu_dki, text)
    got = [(e.line, e.column) for e in exc.value.errors]
    assert got == [
        (4, "kode"),
        (5, "nama"),
        (5, "suara_sah"),
        (5, "kursi"),
        (6, "kode"),
        (7, ""),
        (8, "suara_sah"),
    ]
    assert str(exc.value.errors[0]).startswith("baris 4, kode: ")
    assert "baris 6" in str(exc.value.errors[4]) and "baris 2" in exc.value.errors[4].reason
    assert exc.value.error_count == 7
    assert snapshot(election) == before


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("", ""),
        ("kode,nama\nA,Partai A\n", "suara_sah"),
        ("kode,nama,suara_sah,warna\nA,Partai A,1,merah\n", "warna"),
        ("kode,nama,suara_sah\n", ""),
    ],
    ids=["empty", "missing-column", "unknown-column", "header-only"],
)
def test_bad_files(election, kpu_dki, text, column):
    with pytest.raises(PartyImportRejected) as exc:
        imp(election, kpu_dki, text)
    assert exc.value.errors[0].column == column
    assert not PartyVote.objects.exists()


def test_windows_1252_and_bom(election, kpu_dki):
    imp(election, kpu_dki, "kode,nama,suara_sah,kursi\nX,Partai Ké,1,\n", encoding="cp1252")
    assert PartyVote.objects.get().name == "Partai Ké"
    imp(election, kpu_dki, '\ufeffkode\tnama\tsuara_sah\nY\t"Partai, Y"\t2\n')
    assert snapshot(election) == [("Y", "Partai, Y", 2, None)]


def test_a_nominating_party_cannot_leave_the_list(election, kpu_dki, make_pair):
    imp(election, kpu_dki, PARTY_CSV)
    pair = make_pair("Koalisi", independent=False)
    PairParty.objects.create(pair=pair, party=PartyVote.objects.get(code="C"))
    with pytest.raises(PartyImportRejected) as exc:
        imp(election, kpu_dki, "kode,nama,suara_sah\nA,Partai A,1\n")
    assert "Koalisi" in exc.value.errors[0].reason
    assert PartyVote.objects.count() == 5


def test_import_needs_kpu(election, pps_gambir):
    with pytest.raises(PermissionDenied):
        imp(election, pps_gambir, PARTY_CSV)


def test_note_when_the_sum_differs_from_the_set_votes(election, kpu_dki):
    services.set_basis(
        election=election, actor=kpu_dki, previous_dpt_total=100, dprd_valid_votes=1_000_100
    )
    result = imp(election, kpu_dki, PARTY_CSV)
    assert len(result.notes) == 1 and "1,000,100" in result.notes[0]
