"""Helpers for the tests of pairs and their basis: the days of each stage, party votes with
a threshold edge, valid candidates, and a pair made ready to register."""

from __future__ import annotations

import datetime as dt

from pilkada.candidacy.models import CandidacyBasis, PartyVote
from pilkada.candidacy.pair_documents import required_documents
from pilkada.candidacy.services import pairs as services
from pilkada.engine.nik import make_nik

#: Days inside each stage of the pilkada2024 schedule.
REGISTER_DAY = "2024-08-27"  # pendaftaran-paslon 27-29 Aug (penelitian also open)
VERIFY_DAY = "2024-09-02"  # penelitian-persyaratan only (27 Aug - 21 Sep)
SET_DAY = "2024-09-22"  # penetapan-paslon
DRAW_DAY = "2024-09-23"  # pengundian-nomor-urut
AFTER_DAY = "2024-09-30"
PENETAPAN = dt.date(2024, 9, 22)

#: The last DPT of DKI (Pemilu 2024): band 6-12 M, 7.5 %.
DKI_LAST_DPT = 8_252_897
#: Synthetic DPRD votes adding to 1,000,000: 7.5 % is exactly 75,000 votes.
PARTY_ROWS = [
    ("A", "Partai A", 300_000, 20),
    ("B", "Partai B", 75_000, 6),  # exactly the threshold alone
    ("C", "Partai C", 74_999, 6),  # one vote short alone
    ("D", "Partai D", 1, 0),  # C + D = 75,000
    ("E", "Partai E", 550_000, 38),
]
DPRD_VALID_VOTES = 1_000_000

PARTY_CSV = "kode,nama,suara_sah,kursi\n" + "".join(
    f"{c},{n},{v},{s}\n" for c, n, v, s in PARTY_ROWS
)


def load_basis(election, *, previous_dpt=DKI_LAST_DPT, dprd=DPRD_VALID_VOTES, parties=True):
    """The basis and the party votes written straight into the tables."""
    basis = CandidacyBasis.objects.create(
        election=election, previous_dpt_total=previous_dpt, dprd_valid_votes=dprd
    )
    if parties:
        PartyVote.objects.bulk_create(
            PartyVote(election=election, code=c, name=n, valid_votes=v, seats=s)
            for c, n, v, s in PARTY_ROWS
        )
    return basis


def candidate_nik(*, born: dt.date, sex: str = "L", serial: int = 1) -> str:
    return make_nik(kecamatan_code="317101", birth_date=born, sex=sex, serial=serial)


def add_candidates(pair, *, actor=None, head_born=dt.date(1970, 5, 17), deputy_born=None, serial=1):
    """Both candidates of ``pair`` through the service (valid NIKs from ``serial`` on)."""
    deputy_born = deputy_born or dt.date(1975, 3, 2)
    services.set_candidate(
        pair=pair,
        actor=actor,
        position="head",
        nama=f"CALON KEPALA {pair.pk}",
        nik=candidate_nik(born=head_born, serial=serial),
        tanggal_lahir=head_born,
        jenis_kelamin="L",
        pekerjaan="Wiraswasta",
    )
    services.set_candidate(
        pair=pair,
        actor=actor,
        position="deputy",
        nama=f"CALON WAKIL {pair.pk}",
        nik=candidate_nik(born=deputy_born, sex="P", serial=serial + 1),
        tanggal_lahir=deputy_born,
        jenis_kelamin="P",
    )


def all_documents(pair) -> list[str]:
    return [line.code for line in required_documents(path=pair.path, parties=pair.parties.count())]


def mark_documents(pair, *, actor=None, status="ms", note=""):
    for code in all_documents(pair):
        services.record_document(pair=pair, actor=actor, code=code, status=status, note=note)
