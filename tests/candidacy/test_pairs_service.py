"""Services of pairs: nomination, candidates, LO accounts, registration with the threshold,
the support and the checklist, requirement checks, penetapan and the ballot draw."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from pilkada.candidacy.models import Pair, PairLiaison, PairRequirement
from pilkada.candidacy.selectors import pairs as selectors
from pilkada.candidacy.services import pairs as services
from pilkada.candidacy.services.pairs import PairRefused
from pilkada.schedule.gate import StageClosed

from .pairs_support import (
    AFTER_DAY,
    DRAW_DAY,
    PENETAPAN,
    REGISTER_DAY,
    SET_DAY,
    VERIFY_DAY,
    add_candidates,
    all_documents,
    candidate_nik,
    load_basis,
    mark_documents,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def basis(election):
    return load_basis(election)


def party_pair(election, kpu, name, *codes):
    return services.add_pair(
        election=election, actor=kpu, name=name, independent=False, party_codes=codes
    )


def registered(election, kpu, election_today, name="Pasangan A", codes=("A",), serial=1):
    pair = party_pair(election, kpu, name, *codes)
    add_candidates(pair, actor=kpu, serial=serial)
    election_today(REGISTER_DAY)
    return services.register_pair(pair=pair, actor=kpu, received=all_documents(pair))


# --- nomination ------------------------------------------------------------------------


def test_add_independent_pair_is_prospective_and_audited(election, kpu_dki, audit_log):
    pair = services.add_pair(
        election=election, actor=kpu_dki, name="  Dharma  Kun ", independent=True
    )
    assert pair.status == Pair.Status.PROSPECTIVE and pair.is_independent
    assert pair.name == "Dharma Kun" and pair.created_by == "kpu-dki"
    [entry] = audit_log()
    assert entry.action == "candidacy.pair.add" and entry.object_id == str(pair.pk)
    assert entry.new["path"] == "independent" and entry.new["parties"] == []


def test_add_party_pair_with_coalition(election, basis, kpu_dki):
    pair = party_pair(election, kpu_dki, "Koalisi", "c", "D")
    assert sorted(pair.parties.values_list("party__code", flat=True)) == ["C", "D"]


def test_a_party_nominates_one_pair_only(election, basis, kpu_dki):
    party_pair(election, kpu_dki, "Pertama", "A")
    with pytest.raises(PairRefused) as exc:
        party_pair(election, kpu_dki, "Kedua", "E", "A")
    assert exc.value.code == "party_taken" and "Pertama" in exc.value.reasons[0]
    assert not Pair.objects.filter(name="Kedua").exists()


def test_unknown_party_and_duplicate_name(election, basis, kpu_dki):
    with pytest.raises(PairRefused) as exc:
        party_pair(election, kpu_dki, "X", "ZZZ")
    assert exc.value.code == "unknown_party"
    party_pair(election, kpu_dki, "Sama", "A")
    with pytest.raises(PairRefused) as exc:
        services.add_pair(election=election, actor=kpu_dki, name="sama", independent=True)
    assert exc.value.code == "name_taken"
    with pytest.raises(PairRefused):
        party_pair(election, kpu_dki, "Tanpa partai")


def test_only_kpu_of_the_election_region_manages_pairs(election, kpu_jakpus, pps_gambir):
    for user in (kpu_jakpus, pps_gambir):
        with pytest.raises(PermissionDenied):
            services.add_pair(election=election, actor=user, name="X", independent=True)
    assert not Pair.objects.exists()


def test_no_new_pair_after_registration_closed(election, kpu_dki, election_today):
    election_today(AFTER_DAY)
    with pytest.raises(StageClosed) as exc:
        services.add_pair(election=election, actor=kpu_dki, name="Telat", independent=True)
    assert "Pendaftaran pasangan calon" in str(exc.value)


def test_coalition_changes_before_registration_only(
    election, basis, kpu_dki, election_today, audit_log
):
    pair = party_pair(election, kpu_dki, "P", "C")
    services.set_coalition(pair=pair, actor=kpu_dki, party_codes=["C", "D"])
    assert pair.parties.count() == 2
    assert audit_log()[-1].new == {"parties": ["C", "D"]}
    add_candidates(pair, actor=kpu_dki)
    election_today(REGISTER_DAY)
    services.register_pair(pair=pair, actor=kpu_dki, received=all_documents(pair))
    with pytest.raises(PairRefused) as exc:
        services.set_coalition(pair=pair, actor=kpu_dki, party_codes=["C", "D", "A"])
    assert exc.value.code == "status"


# --- candidates -------------------------------------------------------------------------


def test_candidate_nik_is_validated(election, kpu_dki):
    pair = services.add_pair(election=election, actor=kpu_dki, name="P", independent=True)
    born = dt.date(1970, 5, 17)

    def put(**kw):
        args = dict(
            pair=pair,
            actor=kpu_dki,
            position="head",
            nama="Budi",
            nik=candidate_nik(born=born),
            tanggal_lahir=born,
            jenis_kelamin="L",
        )
        args.update(kw)
        return services.set_candidate(**args)

    for bad, code in [
        ({"nik": "3171011705700000"}, "nik_invalid"),  # zero serial
        ({"nik": "12345"}, "nik_invalid"),
        ({"tanggal_lahir": dt.date(1970, 5, 18)}, "nik_mismatch"),
        ({"jenis_kelamin": "P"}, "nik_mismatch"),
        ({"tanggal_lahir": "17-05-1970"}, "bad_input"),
        ({"nama": "  "}, "bad_input"),
    ]:
        with pytest.raises(PairRefused) as exc:
            put(**bad)
        assert exc.value.code == code, bad
    c = put(nik=" " + candidate_nik(born=born) + " ")
    assert c.nik == candidate_nik(born=born) and c.tanggal_lahir == born


def test_one_person_stands_in_one_pair(election, kpu_dki):
    a = services.add_pair(election=election, actor=kpu_dki, name="A", independent=True)
    b = services.add_pair(election=election, actor=kpu_dki, name="B", independent=True)
    add_candidates(a, actor=kpu_dki)
    born = dt.date(1970, 5, 17)
    with pytest.raises(PairRefused) as exc:
        services.set_candidate(
            pair=b,
            actor=kpu_dki,
            position="deputy",
            nama="X",
            nik=candidate_nik(born=born),
            tanggal_lahir=born,
            jenis_kelamin="L",
        )
    assert exc.value.code == "nik_taken" and "A" in str(exc.value)
    # The same pair, the other position: head and deputy are two people.
    with pytest.raises(PairRefused):
        services.set_candidate(
            pair=a,
            actor=kpu_dki,
            position="deputy",
            nama="X",
            nik=candidate_nik(born=born),
            tanggal_lahir=born,
            jenis_kelamin="L",
        )


def test_candidate_audit_masks_the_nik(election, kpu_dki, audit_log):
    pair = services.add_pair(election=election, actor=kpu_dki, name="A", independent=True)
    add_candidates(pair, actor=kpu_dki)
    entries = [e for e in audit_log() if e.action == "candidacy.candidate.set"]
    assert len(entries) == 2
    assert all("*" in e.new["nik"] for e in entries)
    assert candidate_nik(born=dt.date(1970, 5, 17)) not in str([e.new for e in entries])


# --- LO accounts ---------------------------------------------------------------------------


def test_create_liaison_account(election, kpu_dki, audit_log):
    pair = services.add_pair(election=election, actor=kpu_dki, name="A", independent=True)
    user = services.create_liaison(
        pair=pair, actor=kpu_dki, username="lo-a", password="Rahasia-LO-2024!", full_name="LO A"
    )
    assert (
        user.role == "lo" and user.region_code == "31" and user.check_password("Rahasia-LO-2024!")
    )
    assert PairLiaison.objects.get(user=user).pair == pair
    actions = [e.action for e in audit_log()]
    assert actions[-2:] == ["accounts.create", "candidacy.pair.liaison_add"]
    assert "Rahasia" not in str([e.new for e in audit_log()])


def test_liaison_weak_password_creates_nothing(election, kpu_dki):
    pair = services.add_pair(election=election, actor=kpu_dki, name="A", independent=True)
    with pytest.raises(ValidationError):
        services.create_liaison(pair=pair, actor=kpu_dki, username="lo-a", password="123")
    assert not get_user_model().objects.filter(username="lo-a").exists()


def test_link_liaison_once(election, kpu_dki, make_pair):
    a = make_pair("A", lo_username="lo-a")
    b = services.add_pair(election=election, actor=kpu_dki, name="B", independent=True)
    with pytest.raises(PairRefused) as exc:
        services.link_liaison(pair=b, actor=kpu_dki, username="lo-a")
    assert exc.value.code == "liaison_taken" and a.name in str(exc.value)
    with pytest.raises(PairRefused):
        services.link_liaison(pair=b, actor=kpu_dki, username="kpu-dki")


def test_lo_sees_only_its_own_pair(election, make_pair):
    a = make_pair("A", lo_username="lo-a")
    b = make_pair("B", lo_username="lo-b")
    lo_a = PairLiaison.objects.get(pair=a).user
    assert list(selectors.pairs_for(user=lo_a, election=election)) == [a]
    assert selectors.pair_for(user=lo_a, pair_id=a.pk) == a
    with pytest.raises(Pair.DoesNotExist):
        selectors.pair_for(user=lo_a, pair_id=b.pk)


def test_officers_of_the_region_see_every_pair(election, make_pair, pps_gambir, bawaslu_dki):
    make_pair("A"), make_pair("B")
    for user in (pps_gambir, bawaslu_dki):
        assert selectors.pairs_for(user=user, election=election).count() == 2


# --- registration ---------------------------------------------------------------------------


def test_register_outside_the_window_is_refused(election, basis, kpu_dki):
    pair = party_pair(election, kpu_dki, "P", "A")
    with pytest.raises(StageClosed) as exc:
        services.register_pair(pair=pair, actor=kpu_dki, received=all_documents(pair))
    assert "belum dibuka" in str(exc.value)


def test_register_refused_with_every_reason_and_recorded(
    election, basis, kpu_dki, election_today, audit_log
):
    pair = party_pair(election, kpu_dki, "Kurang", "C")  # 74,999 of 1,000,000
    election_today(REGISTER_DAY)
    with pytest.raises(PairRefused) as exc:
        services.register_pair(pair=pair, actor=kpu_dki, received=["visi_misi"])
    reasons = exc.value.reasons
    assert exc.value.code == "refused" and len(reasons) == 4
    assert "Calon kepala daerah belum diisi" in reasons[0]
    assert "Calon wakil kepala daerah belum diisi" in reasons[1]
    assert "74,999" in reasons[2] and "7.5 %" in reasons[2] and "75,000" in reasons[2]
    assert "Dokumen belum lengkap (" in reasons[3]
    pair.refresh_from_db()
    assert pair.status == Pair.Status.PROSPECTIVE and not pair.requirements.exists()
    [entry] = audit_log()[-1:]
    assert entry.action == "candidacy.pair.register_refused" and entry.new["reasons"] == reasons


def test_threshold_band_edge(election, basis, kpu_dki, election_today):
    exact = party_pair(election, kpu_dki, "Tepat", "B")  # 75,000 = 7.5 % exactly
    short = party_pair(election, kpu_dki, "Kurang", "C")
    assert selectors.party_threshold(pair=exact).meets
    t = selectors.party_threshold(pair=short)
    assert not t.meets and t.votes_needed == 75_000 and t.dpt_source == "previous_dpt_total"
    services.set_coalition(pair=short, actor=kpu_dki, party_codes=["C", "D"])
    assert selectors.party_threshold(pair=short).meets


def test_threshold_band_from_the_dpt_kpu_sets(election, basis, kpu_dki):
    pair = party_pair(election, kpu_dki, "P", "C")  # 7.4999 %
    basis.dpt_total = 12_000_001  # band above 12 M: 6.5 %
    basis.save()
    t = selectors.party_threshold(pair=pair)
    assert t.dpt_source == "dpt_total" and str(t.percent) == "6.5" and t.meets


def test_threshold_needs_the_dprd_votes(election, kpu_dki):
    load_basis(election, dprd=None)
    pair = party_pair(election, kpu_dki, "P", "A")
    t = selectors.party_threshold(pair=pair)
    assert not t.meets and "suara sah pemilu DPRD" in t.missing


def test_register_party_pair(election, basis, kpu_dki, election_today, audit_log):
    pair = registered(election, kpu_dki, election_today)
    assert pair.status == Pair.Status.REGISTERED and pair.registered_on == dt.date(2024, 8, 27)
    docs = pair.requirements.filter(kind=PairRequirement.Kind.DOCUMENT)
    assert docs.count() == len(all_documents(pair)) == 29  # 3 for the pair, 13 per candidate
    assert set(docs.values_list("status", flat=True)) == {"received"}
    assert audit_log()[-1].action == "candidacy.pair.register"
    with pytest.raises(PairRefused) as exc:
        services.register_pair(pair=pair, actor=kpu_dki, received=all_documents(pair))
    assert exc.value.code == "status"


def test_a_coalition_hands_in_its_agreement(election, basis, kpu_dki):
    single = party_pair(election, kpu_dki, "S", "A")
    coalition = party_pair(election, kpu_dki, "K", "C", "D")
    assert "kesepakatan_gabungan" not in all_documents(single)
    assert "kesepakatan_gabungan" in all_documents(coalition)


def test_unknown_document_code(election, basis, kpu_dki, election_today):
    pair = party_pair(election, kpu_dki, "P", "A")
    election_today(REGISTER_DAY)
    with pytest.raises(PairRefused) as exc:
        services.register_pair(pair=pair, actor=kpu_dki, received=["no_such_doc"])
    assert exc.value.code == "bad_input"


def test_independent_pair_registers_only_with_its_support(
    election, kpu_dki, make_pair, add_supporters, election_today
):
    load_basis(election, previous_dpt=40)  # 10 % of 40 = 4, in 4 of 6 kab/kota
    pair = make_pair("Perseorangan")
    add_candidates(pair, actor=kpu_dki)
    for i, kel in enumerate(["3171011001", "3172011001", "3173011001"]):
        add_supporters(pair, 1, start=10 + i, region_code=kel, vermin_status="ms", status="ms")
    election_today(REGISTER_DAY)
    with pytest.raises(PairRefused) as exc:
        services.register_pair(pair=pair, actor=kpu_dki, received=all_documents(pair))
    [reason] = exc.value.reasons
    assert "3 dukungan memenuhi syarat dari minimal 4 (kurang 1)" in reason
    assert "3 dari 6 wilayah, minimal 4" in reason
    add_supporters(pair, 1, start=20, region_code="3174011001", vermin_status="ms", status="ms")
    pair = services.register_pair(pair=pair, actor=kpu_dki, received=all_documents(pair))
    assert pair.status == Pair.Status.REGISTERED
    assert "surat_pencalonan_perseorangan" in all_documents(pair)


# --- requirement checks ------------------------------------------------------------------


def test_documents_ms_tms_need_the_verify_window(election, basis, kpu_dki, election_today):
    pair = registered(election, kpu_dki, election_today)
    with pytest.raises(PairRefused) as exc:
        services.record_document(pair=pair, actor=kpu_dki, code="skck.head", status="tms")
    assert exc.value.code == "bad_input"  # a TMS needs its reason
    election_today(SET_DAY)
    with pytest.raises(StageClosed):
        services.record_document(pair=pair, actor=kpu_dki, code="skck.head", status="ms")


def test_check_waits_for_every_document(election, basis, kpu_dki, election_today):
    pair = registered(election, kpu_dki, election_today)
    election_today(VERIFY_DAY)
    services.record_document(pair=pair, actor=kpu_dki, code="skck.head", status="ms")
    result = services.check_requirements(pair=pair, actor=kpu_dki)
    assert not result.decided and result.status == "registered"
    assert len(result.pending) == 28 and "skck.head" not in result.pending
    assert {r["code"] for r in result.rules} == {"usia.head", "usia.deputy", "ambang_batas"}


def test_check_decides_eligible(election, basis, kpu_dki, election_today, audit_log):
    pair = registered(election, kpu_dki, election_today)
    election_today(VERIFY_DAY)
    mark_documents(pair, actor=kpu_dki)
    result = services.check_requirements(pair=pair, actor=kpu_dki)
    assert result.decided and result.eligible and result.reasons == []
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ELIGIBLE
    rules = {r.code: r for r in pair.requirements.filter(kind="rule")}
    assert set(rules) == {"usia.head", "usia.deputy", "ambang_batas"}
    assert "54 tahun pada 22 September 2024; minimal 30" in rules["usia.head"].note
    entry = audit_log()[-1]
    assert entry.action == "candidacy.pair.check" and entry.new["status"] == "eligible"
    assert entry.new["penetapan"] == "2024-09-22"


@pytest.mark.parametrize(
    ("born", "eligible"),
    [(dt.date(1994, 9, 22), True), (dt.date(1994, 9, 23), False)],
    ids=["30-on-penetapan", "30-a-day-after"],
)
def test_minimum_age_is_counted_at_penetapan(
    election, basis, kpu_dki, election_today, born, eligible
):
    pair = party_pair(election, kpu_dki, "Muda", "A")
    add_candidates(pair, actor=kpu_dki, deputy_born=born)
    election_today(REGISTER_DAY)
    services.register_pair(pair=pair, actor=kpu_dki, received=all_documents(pair))
    mark_documents(pair, actor=kpu_dki)
    result = services.check_requirements(pair=pair, actor=kpu_dki)
    assert result.eligible is eligible
    if not eligible:
        [reason] = result.reasons
        assert "29 tahun pada 22 September 2024; minimal 30" in reason
        pair.refresh_from_db()
        assert pair.status == Pair.Status.INELIGIBLE and "29 tahun" in pair.status_note


def test_tms_document_makes_ineligible_and_a_correction_reopens(
    election, basis, kpu_dki, election_today
):
    pair = registered(election, kpu_dki, election_today)
    mark_documents(pair, actor=kpu_dki)
    services.record_document(
        pair=pair, actor=kpu_dki, code="lhkpn.deputy", status="tms", note="tanda terima tidak ada"
    )
    result = services.check_requirements(pair=pair, actor=kpu_dki)
    assert result.decided and not result.eligible
    assert result.reasons == [
        "Tanda terima laporan harta kekayaan penyelenggara negara (LHKPN) (calon wakil kepala "
        "daerah): tanda terima tidak ada"
    ]
    services.record_document(pair=pair, actor=kpu_dki, code="lhkpn.deputy", status="ms")
    pair.refresh_from_db()
    assert pair.status == Pair.Status.REGISTERED  # must be checked again
    assert services.check_requirements(pair=pair, actor=kpu_dki).eligible


def test_threshold_is_read_again_at_the_check(election, basis, kpu_dki, election_today):
    pair = registered(election, kpu_dki, election_today, codes=("B",))
    mark_documents(pair, actor=kpu_dki)
    basis.dprd_valid_votes = 1_000_001  # B's 75,000 is now short of 7.5 %
    basis.save()
    result = services.check_requirements(pair=pair, actor=kpu_dki)
    assert not result.eligible and "Ambang batas pencalonan tidak terpenuhi" in result.reasons[0]


# --- penetapan and the draw ---------------------------------------------------------------


def eligible_pairs(election, kpu, election_today, n=3):
    pairs = []
    for i, code in enumerate(["A", "B", "E"][:n]):
        pair = registered(
            election, kpu, election_today, name=f"Pasangan {code}", codes=(code,), serial=10 * i + 1
        )
        mark_documents(pair, actor=kpu)
        services.check_requirements(pair=pair, actor=kpu)
        pairs.append(pair)
    return pairs


def test_penetapan_needs_every_pair_decided(election, basis, kpu_dki, election_today):
    eligible_pairs(election, kpu_dki, election_today, n=1)
    registered(election, kpu_dki, election_today, name="Belum", codes=("E",), serial=40)
    election_today(SET_DAY)
    with pytest.raises(PairRefused) as exc:
        services.set_pairs(election=election, actor=kpu_dki)
    assert exc.value.code == "undecided" and "Belum" in str(exc.value)
    assert not Pair.objects.filter(status=Pair.Status.SET).exists()


def test_penetapan_sets_eligible_pairs_at_once(election, basis, kpu_dki, election_today, audit_log):
    a, b, e = eligible_pairs(election, kpu_dki, election_today)
    services.record_document(
        pair=e, actor=kpu_dki, code="skck.head", status="tms", note="kedaluwarsa"
    )
    services.check_requirements(pair=e, actor=kpu_dki)
    election_today(VERIFY_DAY)
    with pytest.raises(StageClosed):
        services.set_pairs(election=election, actor=kpu_dki)
    election_today(SET_DAY)
    result = services.set_pairs(election=election, actor=kpu_dki)
    assert [p["id"] for p in result.pairs] == [a.pk, b.pk]
    [not_set] = result.not_set
    assert (not_set["id"], not_set["status"]) == (e.pk, "ineligible")
    assert "kedaluwarsa" in not_set["note"]
    assert set(Pair.objects.filter(status="set").values_list("pk", flat=True)) == {a.pk, b.pk}
    assert Pair.objects.get(pk=a.pk).set_on == PENETAPAN
    entry = audit_log()[-1]
    assert entry.action == "candidacy.pairs.set" and entry.new["sha256"] == result.sha256
    assert [p.pk for p in selectors.published_pairs(election)] == [a.pk, b.pk]
    with pytest.raises(PairRefused) as exc:
        services.set_pairs(election=election, actor=kpu_dki)
    assert exc.value.code == "already_set"


@pytest.fixture
def set_three(election, basis, kpu_dki, election_today):
    pairs = eligible_pairs(election, kpu_dki, election_today)
    election_today(SET_DAY)
    services.set_pairs(election=election, actor=kpu_dki)
    election_today(DRAW_DAY)
    return pairs


def test_draw_numbers_from_the_ceremony(election, set_three, kpu_dki, audit_log):
    a, b, e = set_three
    for bad in (
        {a.pk: 1, b.pk: 2},
        {a.pk: 1, b.pk: 1, e.pk: 2},
        {a.pk: 1, b.pk: 2, e.pk: 4},
        {a.pk: 1, b.pk: 2, e.pk: 3, 99999: 4},
    ):
        with pytest.raises(PairRefused) as exc:
            services.draw_ballot_numbers(election=election, actor=kpu_dki, numbers=bad)
        assert exc.value.code == "bad_numbers"
    assert not Pair.objects.filter(ballot_number__isnull=False).exists()
    result = services.draw_ballot_numbers(
        election=election, actor=kpu_dki, numbers={a.pk: 2, b.pk: 3, e.pk: 1}
    )
    assert [(r["number"], r["pair_id"]) for r in result.numbers] == [
        (1, e.pk),
        (2, a.pk),
        (3, b.pk),
    ]
    assert audit_log()[-1].new["method"] == "manual"
    with pytest.raises(PairRefused) as exc:
        services.draw_ballot_numbers(election=election, actor=kpu_dki, seed="7")
    assert exc.value.code == "already_drawn"


def test_seeded_draw_is_reproducible(election, set_three, kpu_dki, audit_log):
    ids = [p.pk for p in set_three]
    expected = services.seeded_order(seed="4821", election_slug=election.slug, pair_ids=ids)
    result = services.draw_ballot_numbers(election=election, actor=kpu_dki, seed=" 4821 ")
    assert [r["pair_id"] for r in result.numbers] == [pid for pid, _ in expected]
    assert sorted(
        Pair.objects.filter(election=election).values_list("ballot_number", flat=True)
    ) == [1, 2, 3]
    entry = audit_log()[-1]
    assert entry.new["seed"] == "4821" and entry.new["algorithm"] == services.DRAW_ALGORITHM
    # Another seed orders differently for at least one of a few seeds (not a constant order).
    orders = {
        tuple(p for p, _ in services.seeded_order(seed=str(s), election_slug="x", pair_ids=ids))
        for s in range(10)
    }
    assert len(orders) > 1


def test_draw_outside_its_day(election, set_three, kpu_dki, election_today):
    election_today(SET_DAY)
    with pytest.raises(StageClosed):
        services.draw_ballot_numbers(election=election, actor=kpu_dki, seed="1")
