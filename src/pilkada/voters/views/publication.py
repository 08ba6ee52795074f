"""Pages of the voter register: publication.

Officers (login): the published snapshots and the publish form (a background job), the
recap (A-Rekap) with drill-down and CSV export, the tanggapan queue and its resolution.
Public (no login): the DPS announcement per kelurahan with masked names, and the tanggapan
form, both rate-limited per client.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from pilkada.accounts import permissions
from pilkada.core import clock
from pilkada.core.public import public_lookup
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.regions.models import Region
from pilkada.schedule.gate import StageClosed, is_open

from ..models import DpsResponse, RecapRow, Snapshot
from ..selectors import publication as sel
from ..services import publication as svc

#: GETs of the public announcement pages per client (paging through a kelurahan is
#: normal; walking the whole province is not). A setting.
DEFAULT_DPS_PAGE_RATES = ["60/m", "600/h"]


# --- officers: snapshots and publishing ----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def publication(request):
    election = _election()
    if not permissions.can(request.user, sel.VIEW_PERMISSION, None) and not permissions.can(
        request.user, svc.PERMISSION, None
    ):
        raise PermissionDenied(sel.VIEW_PERMISSION)
    can_publish = permissions.can(request.user, svc.PERMISSION, None)
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied(svc.PERMISSION)
        return _start_publish(request, election)
    windows = {
        kind: is_open(election=election, action=action)
        for kind, action in svc.PUBLISH_ACTIONS.items()
    }
    return render(
        request,
        "voters/publication/snapshots.html",
        {
            "election": election,
            "snapshots": sel.snapshots(election=election, user=request.user),
            "can_publish": can_publish,
            "windows": [(k, Snapshot.Kind(k).label, d) for k, d in windows.items()],
            "region": getattr(request.user, "region_code", "") or election.region_code,
        },
    )


def _start_publish(request, election):
    from pilkada.jobs.services import start_job

    kind = request.POST.get("kind", "")
    if kind not in Snapshot.Kind.values:
        messages.error(request, _("Jenis daftar tidak dikenal."))
        return redirect("voters:publication")
    try:
        region = svc.ensure_can_publish(actor=request.user, election=election)
        decision = is_open(election=election, action=svc.PUBLISH_ACTIONS[kind])
        if not decision.open:
            raise StageClosed(decision)
    except (svc.PublishRefused, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect("voters:publication")
    job = start_job(
        kind="voters.publish",
        actor=request.user,
        params={"election": election.slug, "kind": kind, "region_code": region},
        region_code=region,
    )
    return redirect("jobs:detail", job_id=job.pk)


# --- officers: recap ------------------------------------------------------------------


@login_required
def recap(request):
    election = _election()
    if not permissions.can(request.user, sel.VIEW_PERMISSION, None):
        raise PermissionDenied(sel.VIEW_PERMISSION)
    available = sel.snapshots(election=election, user=request.user)
    snapshot = None
    wanted = request.GET.get("snapshot")
    if wanted:
        snapshot = next((s for s in available if str(s.pk) == wanted), None)
        if snapshot is None:
            raise Http404("no such snapshot in your scope")
    elif available:
        snapshot = next((s for s in available if s.kind == "dpt"), available[0])
    table = None
    if snapshot is not None:
        try:
            table = sel.recap_table(
                snapshot=snapshot, user=request.user, region_code=request.GET.get("region")
            )
        except RecapRow.DoesNotExist:
            raise Http404("region not in this snapshot") from None
    return render(
        request,
        "voters/publication/recap.html",
        {
            "election": election,
            "snapshots": available,
            "snapshot": snapshot,
            "table": table,
            "rows": _recap_rows(table) if table else [],
            "region_row": _recap_rows(table, [table.region])[0] if table else None,
            "path": [(r.region_code, table.names.get(r.region_code, "")) for r in table.path]
            if table
            else [],
        },
    )


def _recap_rows(table, rows=None) -> list[dict]:
    out = []
    for row in table.rows if rows is None else rows:
        share = row.share_17_40
        out.append(
            {
                "row": row,
                "name": table.names.get(row.region_code)
                or (f"TPS {row.region_code[10:]}" if row.level == "tps" else ""),
                "share": "-" if share is None else f"{100 * share:.1f}%",
                "drill": row.level != "tps",
            }
        )
    return out


@login_required
def recap_export(request, snapshot_id):
    try:
        snapshot = sel.get_snapshot(pk=snapshot_id, user=request.user)
    except Snapshot.DoesNotExist:
        raise Http404("no such snapshot") from None
    level = request.GET.get("level") or None
    rows = sel.recap_export_rows(
        snapshot=snapshot, user=request.user, level=level, region_code=request.GET.get("region")
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(sel.RECAP_EXPORT_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    region = request.GET.get("region") or snapshot.region_code
    name = f"rekap-{snapshot.kind}-v{snapshot.version}-{region}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- officers: tanggapan ------------------------------------------------------------


@login_required
def responses(request):
    election = _election()
    if not permissions.can(request.user, svc.RESOLVE_PERMISSION, None):
        raise PermissionDenied(svc.RESOLVE_PERMISSION)
    status = request.GET.get("status") or DpsResponse.Status.OPEN
    kel = request.GET.get("kelurahan") or None
    items = list(
        sel.dps_responses(user=request.user, election=election, kelurahan_code=kel, status=status)[
            :200
        ]
    )
    return render(
        request,
        "voters/publication/responses.html",
        {
            "election": election,
            "items": items,
            "counts": sel.dps_response_counts(user=request.user, election=election),
            "status": status,
            "statuses": DpsResponse.Status.choices,
            "kelurahan": kel or "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_resolve(request, pk):
    try:
        response = sel.get_dps_response(user=request.user, pk=pk)
    except DpsResponse.DoesNotExist:
        raise Http404("no such response") from None
    errors = []
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in ("accept", "reject"):
            errors.append(_("Pilih diterima atau ditolak."))
        else:
            try:
                svc.resolve_dps_response(
                    response=response,
                    actor=request.user,
                    accepted=decision == "accept",
                    resolution=request.POST.get("resolution", ""),
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("Tanggapan sudah ditindaklanjuti."))
                return redirect("voters:dps_responses")
    voter = None
    if response.voter_id:
        from ..models import Voter

        voter = Voter.objects.filter(pk=response.voter_id).first()
    return render(
        request,
        "voters/publication/response_resolve.html",
        {
            "r": response,
            "voter": voter,
            "tms_code": svc.RESPONSE_TMS_CODES.get(response.kind),
            "errors": errors,
        },
    )


# --- public: the DPS announcement ---------------------------------------------------


def _retry_after(rate: str) -> str:
    period = rate.split("/")[1]
    return str({"s": 1, "m": 60, "h": 3600, "d": 86400}.get(period[-1], 60))


def _page_limited(request):
    """Rate-limit GETs of the public announcement (``PILKADA_DPS_PAGE_RATES``)."""
    for rate in getattr(settings, "PILKADA_DPS_PAGE_RATES", DEFAULT_DPS_PAGE_RATES):
        if is_ratelimited(
            request, group=f"dps_page:{rate}", key="ip", rate=rate, method="GET", increment=True
        ):
            response = render(request, "core/rate_limited.html", {"rate": rate}, status=429)
            response["Retry-After"] = _retry_after(rate)
            return response
    return None


def announcement_index(request):
    election = _election()
    limited = _page_limited(request)
    if limited:
        return limited
    published = sel.snapshots(election=election, kind=Snapshot.Kind.DPS)
    regions = sorted({s.region_code for s in published})
    kelurahan = []
    if regions:
        q = Region.objects.filter(level="kelurahan")
        codes = [c for c in regions if len(c) <= 4]
        from django.db.models import Q

        cond = Q()
        for c in codes:
            cond |= Q(code__startswith=c)
        kelurahan = list(q.filter(cond).order_by("code").values("code", "name"))
    code = (request.GET.get("kelurahan") or "").replace(".", "").strip()
    if code:
        return redirect("voters:dps_announcement", kelurahan_code=code)
    return render(
        request,
        "voters/publication/announcement_index.html",
        {"election": election, "kelurahan": kelurahan},
    )


def announcement(request, kelurahan_code):
    election = _election()
    limited = _page_limited(request)
    if limited:
        return limited
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    data = sel.dps_announcement(
        election=election,
        kelurahan_code=kelurahan_code,
        page=page,
        tps=request.GET.get("tps", "")[:13],
    )
    if data is None:
        raise Http404("no DPS announced for this kelurahan")
    first, last = svc.masa_pengumuman_dps(data.snapshot.published_on)
    today = clock.today()
    open_now = (
        first <= today <= last and is_open(election=election, action="voters.dps_response").open
    )
    return render(
        request,
        "voters/publication/announcement.html",
        {
            "election": election,
            "a": data,
            "first": first,
            "last": last,
            "open_now": open_now,
            "pages": range(1, data.pages + 1),
        },
    )


@require_http_methods(["GET", "POST"])
@public_lookup("dps_response")
def response_form(request, kelurahan_code):
    election = _election()
    kelurahan = Region.objects.filter(code=kelurahan_code, level="kelurahan").first()
    if kelurahan is None:
        raise Http404("no such kelurahan")
    values = {
        "tps": (request.POST.get("tps") or request.GET.get("tps") or "")[:13],
        "nomor": (request.POST.get("nomor") or request.GET.get("nomor") or "")[:6],
        "kind": request.POST.get("kind", ""),
        "name": request.POST.get("name", ""),
        "contact": request.POST.get("contact", ""),
        "note": request.POST.get("note", ""),
    }
    errors: list[str] = []
    done = None
    if request.method == "POST":
        try:
            done = svc.submit_dps_response(
                election=election,
                kelurahan_code=kelurahan_code,
                kind=values["kind"],
                responder_name=values["name"],
                responder_contact=values["contact"],
                note=values["note"],
                tps_code=values["tps"],
                nomor=values["nomor"] or None,
                actor=request.user,
            )
        except StageClosed as exc:
            errors.append(str(exc))
        except ValidationError as exc:
            errors.extend(exc.messages)
    status = 400 if errors else 200
    return render(
        request,
        "voters/publication/response_form.html",
        {
            "kelurahan": kelurahan,
            "values": values,
            "kinds": DpsResponse.Kind.choices,
            "errors": errors,
            "done": done,
        },
        status=status,
    )


urlpatterns = [
    path("pemilih/publikasi/", publication, name="publication"),
    path("pemilih/rekap/", recap, name="recap"),
    path("pemilih/rekap/<int:snapshot_id>/ekspor.csv", recap_export, name="recap_export"),
    path("pemilih/tanggapan/", responses, name="dps_responses"),
    path("pemilih/tanggapan/<int:pk>/", response_resolve, name="dps_response_resolve"),
    path("pengumuman-dps/", announcement_index, name="dps_announcement_index"),
    path("pengumuman-dps/<str:kelurahan_code>/", announcement, name="dps_announcement"),
    path("pengumuman-dps/<str:kelurahan_code>/tanggapan/", response_form, name="dps_response"),
]
