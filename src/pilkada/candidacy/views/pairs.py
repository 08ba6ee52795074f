"""Pages of candidate pairs (paslon) and of the numbers their nomination rests on.

Officers (login, ``candidacy.view``; writes need ``candidacy.pair_manage``, i.e. KPU):

* ``candidacy:pairs`` -- the pairs of the election (an LO sees only its own) and, for KPU,
  the form to add one;
* ``candidacy:pair_detail`` -- a pair: candidates, parties and threshold or support, the
  document checklist with MS/TMS, the rule checks, its LO accounts; the forms of each step
  (``pair_candidate``, ``pair_coalition``, ``pair_liaison``, ``pair_register``,
  ``pair_document``, ``pair_check``), each answering with the stage window's reason when
  it is closed;
* ``candidacy:penetapan`` -- penetapan (``penetapan_set``) and the ballot number draw
  (``ballot_draw``: the numbers drawn at the ceremony, or a public seed);
* ``candidacy:basis`` -- the basis numbers (``basis_set``) and the party votes of the last
  DPRD election (``party_votes_import``, CSV, errors by line).

Public: ``candidacy:minimum`` (and ``minimum_json``) -- the minimum support and the party
threshold; ``candidacy:pairs_published`` -- the pairs set at penetapan.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.schedule.gate import StageClosed, is_open

from ..models import Candidate, Pair, PairParty, PairRequirement
from ..pair_documents import required_documents
from ..selectors import pairs as sel
from ..services import basis as basis_svc
from ..services import pairs as svc

MAX_UPLOAD_BYTES = basis_svc.MAX_FILE_BYTES


def _require_view(user, election) -> None:
    if not sel.may_view(user, election):
        raise PermissionDenied(f"{sel.VIEW_ACTION}: not allowed for your role or region")


def _require_manage(user, election) -> None:
    if not sel.may_manage(user, election):
        raise PermissionDenied(f"{sel.MANAGE_ACTION}: only KPU of {election.region_code}")


def _attempt(request, fn, **kwargs):
    """Run a service; a refusal becomes error messages (the stage window's reason, or each
    unmet requirement). Returns the service's result, or None when refused."""
    try:
        return fn(**kwargs)
    except StageClosed as exc:
        messages.error(request, exc.decision.reason)
    except svc.PairRefused as exc:
        messages.error(request, str(exc))
        for reason in exc.reasons:
            messages.error(request, reason)
    except basis_svc.BasisRefused as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return None


def _windows(election) -> dict:
    return {
        "register": is_open(election=election, action=svc.REGISTER),
        "verify": is_open(election=election, action=svc.VERIFY),
        "set": is_open(election=election, action=svc.SET_PAIRS),
        "draw": is_open(election=election, action=svc.DRAW),
    }


def _int(value) -> int | None:
    try:
        return int(str(value).replace(".", "").replace(",", "").strip())
    except (TypeError, ValueError):
        return None


# ============================================================================================
# The list of pairs and adding one
# ============================================================================================


@login_required
@require_GET
def pair_list(request):
    election = _election()
    _require_view(request.user, election)
    can_manage = sel.may_manage(request.user, election)
    windows = _windows(election)
    taken = set(
        PairParty.objects.filter(pair__election=election).values_list("party_id", flat=True)
    )
    return render(
        request,
        "candidacy/pairs/list.html",
        {
            "election": election,
            "pairs": sel.pairs_for(user=request.user, election=election),
            "can_manage": can_manage,
            "free_parties": [p for p in sel.party_votes(election) if p.pk not in taken]
            if can_manage
            else [],
            "windows": windows,
            "can_enter": windows["register"].window is not None
            and windows["register"].window.status(windows["register"].on) != "closed",
        },
    )


@login_required
@require_POST
def pair_add(request):
    election = _election()
    _require_manage(request.user, election)
    independent = request.POST.get("jalur") == Pair.Path.INDEPENDENT
    pair = _attempt(
        request,
        svc.add_pair,
        election=election,
        actor=request.user,
        name=request.POST.get("nama", ""),
        independent=independent,
        party_codes=[] if independent else request.POST.getlist("partai"),
    )
    if pair is None:
        return redirect("candidacy:pairs")
    messages.success(request, _("Pasangan %(name)s ditambahkan.") % {"name": pair.name})
    return redirect("candidacy:pair_detail", pk=pair.pk)


# ============================================================================================
# A pair's page and its forms
# ============================================================================================


def _visible_pair(request, pk) -> Pair:
    try:
        return sel.pair_for(user=request.user, pair_id=pk)
    except Pair.DoesNotExist:
        raise Http404("no such pair") from None


def _managed_pair(request, pk) -> Pair:
    pair = _visible_pair(request, pk)
    _require_manage(request.user, pair.election)
    return pair


@login_required
@require_GET
def pair_page(request, pk):
    pair = _visible_pair(request, pk)
    election = pair.election
    detail = sel.pair_detail(user=request.user, pair=pair)
    can_manage = sel.may_manage(request.user, election)
    taken_elsewhere = set(
        PairParty.objects.filter(pair__election=election)
        .exclude(pair=pair)
        .values_list("party_id", flat=True)
    )
    return render(
        request,
        "candidacy/pairs/detail.html",
        {
            "election": election,
            "pair": pair,
            "d": detail,
            "can_manage": can_manage,
            "windows": _windows(election),
            "positions": Candidate.Position.choices,
            "candidates_by_position": {c.position: c for c in detail.candidates},
            "checklist": required_documents(path=pair.path, parties=len(detail.parties)),
            "party_choices": [
                (p, p.code in {x["code"] for x in detail.parties})
                for p in sel.party_votes(election)
                if p.pk not in taken_elsewhere
            ]
            if can_manage and not pair.is_independent
            else [],
            "doc_statuses": [
                (PairRequirement.Status.MS, PairRequirement.Status.MS.label),
                (PairRequirement.Status.TMS, PairRequirement.Status.TMS.label),
                (PairRequirement.Status.RECEIVED, PairRequirement.Status.RECEIVED.label),
            ],
            "penetapan": sel.penetapan_date(election),
            "examinable": pair.status in svc.UNDER_EXAMINATION,
        },
    )


def _back(pair):
    return redirect("candidacy:pair_detail", pk=pair.pk)


@login_required
@require_POST
def candidate_set(request, pk):
    pair = _managed_pair(request, pk)
    p = request.POST
    candidate = _attempt(
        request,
        svc.set_candidate,
        pair=pair,
        actor=request.user,
        position=p.get("kedudukan", ""),
        nama=p.get("nama", ""),
        nik=p.get("nik", ""),
        tanggal_lahir=p.get("tanggal_lahir", ""),
        jenis_kelamin=p.get("jenis_kelamin", ""),
        tempat_lahir=p.get("tempat_lahir", ""),
        pekerjaan=p.get("pekerjaan", ""),
        alamat=p.get("alamat", ""),
    )
    if candidate is not None:
        messages.success(
            request, _("Data %(pos)s disimpan.") % {"pos": candidate.get_position_display()}
        )
    return _back(pair)


@login_required
@require_POST
def coalition_set(request, pk):
    pair = _managed_pair(request, pk)
    if (
        _attempt(
            request,
            svc.set_coalition,
            pair=pair,
            actor=request.user,
            party_codes=request.POST.getlist("partai"),
        )
        is not None
    ):
        messages.success(request, _("Partai pengusul disimpan."))
    return _back(pair)


@login_required
@require_POST
def liaison_add(request, pk):
    pair = _managed_pair(request, pk)
    p = request.POST
    if p.get("akun_ada"):
        user = _attempt(
            request,
            svc.link_liaison,
            pair=pair,
            actor=request.user,
            username=p.get("username", "").strip(),
        )
    else:
        if p.get("password", "") != p.get("password2", ""):
            messages.error(request, _("Kedua kata sandi berbeda."))
            return _back(pair)
        user = _attempt(
            request,
            svc.create_liaison,
            pair=pair,
            actor=request.user,
            username=p.get("username", "").strip(),
            password=p.get("password", ""),
            full_name=p.get("nama_lengkap", ""),
        )
    if user is not None:
        messages.success(
            request, _("Akun LO %(u)s terhubung ke pasangan ini.") % {"u": user.username}
        )
    return _back(pair)


@login_required
@require_POST
def register(request, pk):
    pair = _managed_pair(request, pk)
    if (
        _attempt(
            request,
            svc.register_pair,
            pair=pair,
            actor=request.user,
            received=request.POST.getlist("dokumen"),
        )
        is not None
    ):
        messages.success(request, _("Pasangan %(name)s terdaftar.") % {"name": pair.name})
    return _back(pair)


@login_required
@require_POST
def document_set(request, pk):
    pair = _managed_pair(request, pk)
    p = request.POST
    row = _attempt(
        request,
        svc.record_document,
        pair=pair,
        actor=request.user,
        code=p.get("kode", ""),
        status=p.get("status", ""),
        note=p.get("catatan", ""),
    )
    if row is not None:
        messages.success(request, _("Hasil penelitian dokumen disimpan."))
    return _back(pair)


@login_required
@require_POST
def check(request, pk):
    pair = _managed_pair(request, pk)
    result = _attempt(request, svc.check_requirements, pair=pair, actor=request.user)
    if result is not None:
        if not result.decided:
            messages.info(
                request,
                _("Syarat diperiksa; %(n)d dokumen belum diteliti, status belum diputuskan.")
                % {"n": len(result.pending)},
            )
        elif result.eligible:
            messages.success(request, _("Pasangan memenuhi syarat."))
        else:
            messages.error(request, _("Pasangan tidak memenuhi syarat."))
            for reason in result.reasons:
                messages.error(request, reason)
    return _back(pair)


# ============================================================================================
# Penetapan and the ballot number draw
# ============================================================================================


@login_required
@require_GET
def penetapan_page(request):
    election = _election()
    _require_view(request.user, election)
    pairs = list(sel.pairs_for(user=request.user, election=election))
    return render(
        request,
        "candidacy/pairs/penetapan.html",
        {
            "election": election,
            "pairs": pairs,
            "set_pairs": [p for p in pairs if p.status == Pair.Status.SET],
            "drawn": any(p.ballot_number for p in pairs),
            "counts": sel.status_counts(election),
            "can_manage": sel.may_manage(request.user, election),
            "windows": _windows(election),
            "algorithm": svc.DRAW_ALGORITHM,
        },
    )


@login_required
@require_POST
def penetapan_set(request):
    election = _election()
    _require_manage(request.user, election)
    result = _attempt(request, svc.set_pairs, election=election, actor=request.user)
    if result is not None:
        messages.success(request, _("%(n)d pasangan calon ditetapkan.") % {"n": len(result.pairs)})
    return redirect("candidacy:penetapan")


@login_required
@require_POST
def ballot_draw(request):
    election = _election()
    _require_manage(request.user, election)
    if request.POST.get("cara") == "benih":
        kwargs = {"seed": request.POST.get("benih", "")}
    else:
        numbers = {}
        for key, value in request.POST.items():
            if key.startswith("nomor_"):
                pid, n = _int(key.removeprefix("nomor_")), _int(value)
                if pid is None or n is None:
                    messages.error(request, _("Nomor urut harus bilangan bulat."))
                    return redirect("candidacy:penetapan")
                numbers[pid] = n
        kwargs = {"numbers": numbers}
    result = _attempt(
        request, svc.draw_ballot_numbers, election=election, actor=request.user, **kwargs
    )
    if result is not None:
        messages.success(request, _("Nomor urut pasangan calon tercatat."))
    return redirect("candidacy:penetapan")


@require_GET
def published(request):
    """Public: the pairs set at penetapan, with their ballot numbers once drawn."""
    election = _election()
    return render(
        request,
        "candidacy/pairs/published.html",
        {"election": election, "pairs": sel.published_pairs(election)},
    )


# ============================================================================================
# The basis and the party votes
# ============================================================================================


def _basis_context(request, election, **extra) -> dict:
    return {
        "election": election,
        "basis": sel.basis_of(election),
        "hint": sel.basis_suggestion(election),
        "parties": sel.party_votes(election),
        "m": sel.minimum_support(election),
        "can_manage": sel.may_manage(request.user, election),
        **extra,
    }


@login_required
@require_GET
def basis_page(request):
    election = _election()
    _require_view(request.user, election)
    return render(request, "candidacy/pairs/basis.html", _basis_context(request, election))


@login_required
@require_POST
def basis_set(request):
    election = _election()
    _require_manage(request.user, election)
    p = request.POST
    values = {}
    for field, name in (
        ("previous_dpt_total", "dpt_terakhir"),
        ("dpt_total", "dpt_ambang"),
        ("dprd_valid_votes", "suara_dprd"),
    ):
        text = p.get(name, "").strip()
        value = _int(text) if text else None
        if text and value is None:
            messages.error(request, _("%(v)r bukan bilangan bulat.") % {"v": text})
            return redirect("candidacy:basis")
        values[field] = value
    if (
        _attempt(
            request,
            basis_svc.set_basis,
            election=election,
            actor=request.user,
            previous_dpt_source=p.get("sumber", ""),
            **values,
        )
        is not None
    ):
        messages.success(request, _("Angka dasar pencalonan disimpan."))
    return redirect("candidacy:basis")


@login_required
@require_POST
def parties_import(request):
    election = _election()
    _require_manage(request.user, election)
    upload = request.FILES.get("berkas")
    if upload is None:
        messages.error(request, _("Pilih berkas CSV perolehan suara partai."))
        return redirect("candidacy:basis")
    if upload.size > MAX_UPLOAD_BYTES:
        messages.error(request, _("Berkas terlalu besar untuk daftar partai."))
        return redirect("candidacy:basis")
    try:
        result = basis_svc.import_party_votes(
            election=election, actor=request.user, data=upload.read(), file_name=upload.name
        )
    except basis_svc.PartyImportRejected as exc:
        context = _basis_context(
            request,
            election,
            import_errors=exc.errors,
            import_error_count=exc.error_count,
            import_file=upload.name,
        )
        return render(request, "candidacy/pairs/basis.html", context, status=400)
    except basis_svc.BasisRefused as exc:
        messages.error(request, str(exc))
        return redirect("candidacy:basis")
    messages.success(
        request,
        _("%(n)d partai diimpor dari %(file)s (%(votes)s suara sah).")
        % {"n": result.parties, "file": result.file_name, "votes": f"{result.total_valid_votes:,}"},
    )
    for note in result.notes:
        messages.warning(request, note)
    return redirect("candidacy:basis")


# ============================================================================================
# Public: the minimum support
# ============================================================================================


@require_GET
def minimum_page(request):
    election = _election()
    return render(
        request,
        "candidacy/pairs/minimum.html",
        {"election": election, "m": sel.minimum_support(election)},
    )


@require_GET
def minimum_json(request):
    election = _election()
    return JsonResponse(
        sel.minimum_support(election).as_dict(), json_dumps_params={"ensure_ascii": False}
    )


urlpatterns = [
    path("pencalonan/paslon/", pair_list, name="pairs"),
    path("pencalonan/paslon/tambah/", pair_add, name="pair_add"),
    path("pencalonan/paslon/<int:pk>/", pair_page, name="pair_detail"),
    path("pencalonan/paslon/<int:pk>/calon/", candidate_set, name="pair_candidate"),
    path("pencalonan/paslon/<int:pk>/partai/", coalition_set, name="pair_coalition"),
    path("pencalonan/paslon/<int:pk>/lo/", liaison_add, name="pair_liaison"),
    path("pencalonan/paslon/<int:pk>/daftar/", register, name="pair_register"),
    path("pencalonan/paslon/<int:pk>/dokumen/", document_set, name="pair_document"),
    path("pencalonan/paslon/<int:pk>/periksa/", check, name="pair_check"),
    path("pencalonan/penetapan/", penetapan_page, name="penetapan"),
    path("pencalonan/penetapan/tetapkan/", penetapan_set, name="penetapan_set"),
    path("pencalonan/penetapan/undi/", ballot_draw, name="ballot_draw"),
    path("pencalonan/paslon-ditetapkan/", published, name="pairs_published"),
    path("pencalonan/dasar/", basis_page, name="basis"),
    path("pencalonan/dasar/ubah/", basis_set, name="basis_set"),
    path("pencalonan/dasar/partai/", parties_import, name="party_votes_import"),
    path("pencalonan/syarat-dukungan/", minimum_page, name="minimum"),
    path("pencalonan/syarat-dukungan.json", minimum_json, name="minimum_json"),
]
