"""Reads of the selection: progress per body, an area's applicants for score entry, the 30 %
women report, and the published announcements (public). Officers' reads are scoped by role
and region (``scope_q``) and by the bodies they recruit (``adhoc.access``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.conf import settings
from django.db.models import Count, Q

from pilkada.accounts.permissions import is_operator, scope_q
from pilkada.core.masking import mask_name
from pilkada.regions.models import Region

from ..access import can_for_body
from ..models import Application, Body, Opening, SelectionAnnouncement
from ..rules import jumlah_anggota, keterwakilan_perempuan_terpenuhi
from ..services.selection import (
    PERMISSION,
    _with_seats,
    applications_frame,
    seats_frame,
    shortlist,
)

__all__ = [
    "announcement_areas",
    "announcement_table",
    "area_applicants",
    "bodies_for",
    "latest_announcements",
    "selection_summary",
    "women_report",
    "women_required",
]


def bodies_for(user, action: str = PERMISSION) -> list[str]:
    """The bodies ``user`` recruits (in their own region)."""
    if is_operator(user):
        return list(Body.values)
    code = getattr(user, "region_code", "")
    return [b for b in Body.values if code and can_for_body(user, action, body=b, region_code=code)]


def _scoped(user, qs, field="region_code"):
    return qs.filter(scope_q(user, field))


def selection_summary(*, election, user) -> list[dict]:
    """Per body the user recruits: applications, administrative pass, scores recorded and
    the results of the last ranking, inside the user's region."""
    bodies = bodies_for(user)
    qs = _scoped(user, Application.objects.filter(election=election, body__in=bodies))
    submitted = Q(state=Application.State.SUBMITTED)
    admin = submitted & Q(eligibility=Application.Check.ELIGIBLE, documents_ok=True)
    rows = qs.values("body").annotate(
        applications=Count("id", filter=submitted),
        admin_passed=Count("id", filter=admin),
        pending=Count("id", filter=submitted & (Q(eligibility=Application.Check.PENDING)
                                                | Q(documents_ok__isnull=True))),
        written=Count("id", filter=admin & Q(written_score__isnull=False)),
        interview=Count("id", filter=admin & Q(interview_score__isnull=False)),
        selected=Count("id", filter=Q(result=Application.Result.SELECTED)),
        reserve=Count("id", filter=Q(result=Application.Result.RESERVE)),
        areas=Count("region_code", distinct=True),
    )  # fmt: skip
    found = {r["body"]: r for r in rows}
    empty = dict.fromkeys(("applications", "admin_passed", "pending", "written", "interview",
                           "selected", "reserve", "areas"), 0)  # fmt: skip
    return [{"body": b, "label": Body(b).label, **(found.get(b) or empty)} for b in bodies]


def area_applicants(*, election, user, body: str, region_code: str) -> list[dict]:
    """The submitted applications of one area, in number order, for the score entry page:
    number, masked name, sex, administrative pass, shortlist, scores, rank and result.
    Raises PermissionDenied outside the user's bodies and region."""
    from ..access import require_for_body

    require_for_body(user, PERMISSION, body=body, region_code=region_code)
    apps = applications_frame(election=election, bodies=[body], region_prefix=region_code)
    apps = apps.filter(pl.col("region_code") == region_code)
    seats = seats_frame(election=election, bodies=[body], region_prefix=region_code)
    listed = shortlist(_with_seats(apps, seats)).sort("number")
    stored = {
        a["id"]: a
        for a in Application.objects.filter(
            election=election, body=body, region_code=region_code
        ).values("id", "final_score", "rank", "result")
    }
    out = []
    for r in listed.iter_rows(named=True):
        s = stored.get(r["id"], {})
        out.append({
            "number": r["number"], "nama": mask_name(r["nama"]), "sex": r["jenis_kelamin"],
            "withdrawn": r["state"] != Application.State.SUBMITTED,
            "admin_ok": r["admin_ok"], "shortlisted": r["shortlisted"],
            "area_written": r["area_written"],
            "written": None if r["written"] is None else f"{r['written'] / 100:.2f}",
            "interview": None if r["interview"] is None else f"{r['interview'] / 100:.2f}",
            "final": s.get("final_score"), "rank": s.get("rank"), "result": s.get("result", ""),
        })  # fmt: skip
    return out


def women_required(seats: int) -> int:
    """The smallest number of women that meets :func:`rules.keterwakilan_perempuan_terpenuhi`
    for ``seats`` (read from the rule, not computed again)."""
    return next(w for w in range(seats + 1) if keterwakilan_perempuan_terpenuhi(w, seats))


def women_report(*, election, user=None, body: str | None = None, region_prefix: str = "",
                 missed_only: bool = False) -> list[dict]:  # fmt: skip
    """Per ranked area (an area with results): seats, selected, women among the selected,
    the women the rule asks for, and whether it is met (rules.keterwakilan_perempuan_
    terpenuhi). ``user`` None: the whole election (operator CLI)."""
    qs = Application.objects.filter(election=election).exclude(result="")
    if body:
        qs = qs.filter(body=body)
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    if user is not None:
        qs = _scoped(user, qs)
    selected = Q(result=Application.Result.SELECTED)
    rows = (
        qs.values("body", "region_code")
        .annotate(
            selected=Count("id", filter=selected),
            women=Count("id", filter=selected & Q(jenis_kelamin="P")),
        )
        .order_by("body", "region_code")
    )
    rows = list(rows)
    seats = {
        (o["body"], o["region_code"]): o["seats"]
        for o in Opening.objects.filter(
            election=election, region_code__in={r["region_code"] for r in rows}
        ).values("body", "region_code", "seats")
    }
    out = []
    for r in rows:
        n = seats.get((r["body"], r["region_code"])) or jumlah_anggota(r["body"])
        met = keterwakilan_perempuan_terpenuhi(r["women"], n)
        if missed_only and met:
            continue
        out.append({**r, "seats": n, "required": women_required(n), "met": met})
    return out


# ---------------------------------------------------------------------------------------
# Announcements (public)
# ---------------------------------------------------------------------------------------


def latest_announcements(*, election) -> list[SelectionAnnouncement]:
    """The newest version of every published (body, region, stage)."""
    seen = set()
    out = []
    for ann in SelectionAnnouncement.objects.filter(election=election).order_by(
        "body", "region_code", "stage", "-version"
    ):
        key = (ann.body, ann.region_code, ann.stage)
        if key not in seen:
            seen.add(key)
            out.append(ann)
    return out


def _snapshot(ann: SelectionAnnouncement) -> pl.LazyFrame:
    return pl.scan_parquet(Path(settings.DATA_DIR) / ann.file)


def announcement_areas(ann: SelectionAnnouncement) -> list[dict]:
    """The areas of an announcement with their names and row counts."""
    counts = _snapshot(ann).group_by("region_code").agg(rows=pl.len()).sort("region_code").collect()
    codes = counts["region_code"].to_list()
    wanted = {c[:10] if len(c) == 13 else c for c in codes}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    out = []
    for code, rows in counts.iter_rows():
        name = (f"TPS {code[10:]} {names.get(code[:10], '')}" if len(code) == 13
                else names.get(code, code))  # fmt: skip
        out.append({"code": code, "name": name, "rows": rows})
    return out


def announcement_table(ann: SelectionAnnouncement, region_code: str) -> list[dict]:
    """The published rows of one area: number, name, result, score, rank (nothing else is in
    the snapshot)."""
    frame = _snapshot(ann).filter(pl.col("region_code") == region_code).collect()
    return frame.select("number", "nama", "result", "score", "rank").to_dicts()
