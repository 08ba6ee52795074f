"""Pages of the voter register: moves — DPTb (pindah memilih) and DPK.

* ``voters:dptb_list``     the DPTb list of a region (in: moved here; out: moved away);
* ``voters:dptb_register`` PPS/KPU search a voter by NIK and register a move (form A);
* ``voters:dptb_cancel``   cancel a move (POST);
* ``voters:dpk_home``      KPPS: straight to their TPS; others: choose a TPS;
* ``voters:dpk_tps``       the DPK form of a TPS on a phone, with its list and counts (HTMX).

Views only parse input and call services/selectors; refusals are shown with their reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pilkada.accounts import permissions
from pilkada.core import clock
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.schedule.gate import StageClosed, is_open
from pilkada.voters.selectors import moves as selectors
from pilkada.voters.services import moves as services

DIRECTIONS = ("in", "out")


def _refusal(exc) -> str:
    if isinstance(exc, StageClosed):
        return exc.decision.reason
    if isinstance(exc, services.MoveRefused):
        return exc.message
    return str(exc)


@login_required
def dptb_list(request):
    election = _election()
    user = request.user
    region = (request.GET.get("wilayah") or getattr(user, "region_code", "") or "").strip()
    region = region.replace(".", "") or election.region_code
    direction = request.GET.get("arah", "in")
    if direction not in DIRECTIONS:
        direction = "in"
    unmasked = request.GET.get("lengkap") == "1"
    rows = selectors.dptb_rows(
        actor=user,
        election=election,
        region_code=region,
        direction=direction,
        include_cancelled=request.GET.get("batal") == "1",
        unmasked=unmasked,
    )
    return render(
        request,
        "voters/moves/dptb_list.html",
        {
            "election": election,
            "region": region,
            "direction": direction,
            "rows": rows,
            "unmasked": unmasked and permissions.can(user, "voters.view_unmasked", region),
            "can_unmask": permissions.can(user, "voters.view_unmasked", region),
            "can_register": permissions.can(user, "voters.dptb_register", None),
            "include_cancelled": request.GET.get("batal") == "1",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dptb_register(request):
    election = _election()
    user = request.user
    permissions.require(user, "voters.dptb_register", None)
    data = request.POST if request.method == "POST" else request.GET
    nik = "".join((data.get("nik") or "").split())
    error = None
    if request.method == "POST":
        try:
            result = services.register_move(
                actor=user,
                election=election,
                nik=nik,
                reason=data.get("reason", ""),
                destination_kelurahan=data.get("destination_kelurahan", ""),
                destination_tps=data.get("destination_tps") or None,
                form_a_number=data.get("form_a_number", ""),
            )
        except (services.MoveRefused, StageClosed) as exc:
            error = _refusal(exc)
        except PermissionDenied as exc:
            error = str(exc)
        else:
            move = result.move
            messages.success(
                request,
                _("Pindah memilih terdaftar: formulir A %(form)s, tujuan %(dest)s.")
                % {"form": move.form_a_number, "dest": move.destination_tps_code
                   or move.destination_kelurahan_code},
            )  # fmt: skip
            return redirect(_list_url(user, move))
    voter = None
    searched = bool(nik)
    if nik:
        voter = selectors.find_voter_for_move(actor=user, election=election, nik=nik)
    decision = is_open(election=election, action=services.DPTB_ACTION)
    return render(
        request,
        "voters/moves/dptb_register.html",
        {
            "election": election,
            "nik": nik,
            "voter": voter,
            "searched": searched,
            "error": error,
            "form": data,
            "reasons": selectors.reason_choices(),
            "decision": decision,
            "deadlines": _deadlines(election),
        },
    )


def _deadlines(election) -> dict:
    return {
        "ordinary": services.dptb_deadline(election=election, reason="pindah_domisili"),
        "sudden": services.dptb_deadline(election=election, reason="tugas"),
    }


@login_required
@require_POST
def dptb_cancel(request, pk: int):
    try:
        result = services.cancel_move(
            actor=request.user, move_id=pk, note=request.POST.get("note", "")
        )
    except (services.MoveRefused, StageClosed) as exc:
        messages.error(request, _refusal(exc))
        region = request.POST.get("wilayah", "")
    else:
        messages.success(
            request,
            _("Pendaftaran pindah memilih %(id)s dibatalkan; pemilih kembali ke TPS asal %(tps)s.")
            % {"id": pk, "tps": result.move.origin_tps_code},
        )
        region = request.POST.get("wilayah")
        if not region:
            return redirect(_list_url(request.user, result.move))
    arah = request.POST.get("arah") if request.POST.get("arah") in DIRECTIONS else "in"
    query = urlencode({"wilayah": region, "arah": arah})
    return redirect(f"{reverse('voters:dptb_list')}?{query}")


def _list_url(user, move) -> str:
    """The DPTb list the officer may see after a write: the destination's, else the list
    of voters who moved out of the origin (a PPS of the origin sees only its kelurahan)."""
    if permissions.can(user, "voters.view", move.destination_kelurahan_code):
        query = {"wilayah": move.destination_kelurahan_code}
    else:
        query = {"wilayah": move.origin_kelurahan_code, "arah": "out"}
    return f"{reverse('voters:dptb_list')}?{urlencode(query)}"


@login_required
def dpk_home(request):
    user = request.user
    code = (request.GET.get("tps") or "").replace(".", "").strip()
    if not code and getattr(user, "role", "") == "kpps":
        code = user.region_code
    if code:
        return redirect("voters:dpk_tps", tps_code=code)
    return render(request, "voters/moves/dpk_home.html", {"election": _election()})


def _dpk_context(request, election, tps_code, **extra):
    rows = selectors.dpk_rows(actor=request.user, election=election, tps_code=tps_code)
    counts = selectors.voter_counts_per_tps(election=election, region_code=tps_code)
    return {
        "election": election,
        "tps_code": tps_code,
        "kelurahan_code": tps_code[:10],
        "rows": rows,
        "counts": counts[0] if counts else None,
        "can_record": permissions.can(request.user, "voters.dpk_record", tps_code),
        "decision": is_open(election=election, action=services.DPK_ACTION),
        "today": clock.today(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def dpk_tps(request, tps_code: str):
    election = _election()
    tps_code = tps_code.replace(".", "")
    if len(tps_code) != 13 or not tps_code.isdigit():
        raise Http404("not a TPS code")
    partial = request.headers.get("HX-Request") == "true"
    extra = {}
    if request.method == "POST":
        data = request.POST
        person = services.DpkInput(
            nik=data.get("nik", ""),
            nama=data.get("nama", ""),
            jenis_kelamin=data.get("jenis_kelamin", ""),
            tanggal_lahir=data.get("tanggal_lahir", ""),
            alamat=data.get("alamat", ""),
            alamat_kelurahan=data.get("alamat_kelurahan", ""),
            rt=data.get("rt", ""),
            rw=data.get("rw", ""),
            status_kawin=data.get("status_kawin", ""),
        )
        try:
            row = services.record_dpk(
                actor=request.user, election=election, tps_code=tps_code, person=person
            )
        except (services.MoveRefused, StageClosed) as exc:
            extra = {"error": _refusal(exc), "form": data}
        else:
            extra = {"saved": _("Tercatat dalam DPK: %(nama)s.") % {"nama": row.nama}}
    context = _dpk_context(request, election, tps_code, **extra)
    template = "voters/moves/_dpk_panel.html" if partial else "voters/moves/dpk_tps.html"
    return render(request, template, context)


urlpatterns = [
    path("pemilih/dptb/", dptb_list, name="dptb_list"),
    path("pemilih/dptb/daftar/", dptb_register, name="dptb_register"),
    path("pemilih/dptb/<int:pk>/batal/", dptb_cancel, name="dptb_cancel"),
    path("pemilih/dpk/", dpk_home, name="dpk_home"),
    path("pemilih/dpk/<str:tps_code>/", dpk_tps, name="dpk_tps"),
]
