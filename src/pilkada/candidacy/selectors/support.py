"""Reads of supporter lists: batches, counts per status and reason, and the rows a user may
see -- scoped by region (KPU, Bawaslu, PPK, PPS) and by pair (an LO sees its own pair only).
Rows are masked by the views unless the role may unmask (each unmasked view logged)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role

from ..access import liaison_pair_id
from ..models import Pair, SupportBatch, Supporter

#: Reason codes of verifikasi administrasi, in the order a row is judged (one per row).
VERMIN_REASONS = (
    "nik_invalid",
    "not_in_register",
    "deceased",
    "under_age",
    "barred_occupation",
    "double_same_pair",
    "double_other_pair",
)
#: What each reason means, for pages (the engine's SupportReason carries the English text).
REASON_LABELS = {
    "nik_invalid": _("NIK tidak valid"),
    "not_in_register": _("Tidak terdaftar di DPT/DP4 (atau pindah / tidak dikenal)"),
    "deceased": _("Meninggal dunia"),
    "under_age": _("Belum berumur 17 tahun dan belum pernah kawin"),
    "barred_occupation": _("Pekerjaan terlarang (TNI, Polri, ASN, perangkat desa, penyelenggara)"),
    "double_same_pair": _("Ganda pada pasangan yang sama (yang pertama dihitung)"),
    "double_other_pair": _("Ganda dengan pasangan lain (ditahan sampai verifikasi faktual)"),
}


def batches(*, pair: Pair) -> list[SupportBatch]:
    return list(SupportBatch.objects.filter(pair=pair).order_by("round", "id"))


def supporters_visible(*, user, pair: Pair) -> QuerySet[Supporter]:
    """The pair's supporter rows ``user`` may see (empty when none)."""
    rows = Supporter.objects.filter(pair=pair)
    if permissions.is_operator(user):
        return rows
    role = getattr(user, "role", "")
    if role not in permissions.ACTION_ROLES["candidacy.support_view"]:
        return rows.none()
    if role == Role.LO:
        return rows if liaison_pair_id(user) == pair.pk else rows.none()
    if role in (Role.KPU_PROVINSI, Role.KPU_KABKOTA, Role.BAWASLU) and permissions.in_scope(
        user, pair.election.region_code
    ):
        return rows
    # Scoped to the user's region (a kab/kota KPU or Bawaslu, a PPK, a PPS).
    return rows.filter(region_code__startswith=user.region_code)


def status_counts(rows: QuerySet[Supporter]) -> dict:
    """Counts per overall status, per vermin status and reason, per verfak status."""
    agg = rows.aggregate(
        listed=Count("id"),
        ms=Count("id", filter=Q(status="ms")),
        tms=Count("id", filter=Q(status="tms")),
        pending=Count("id", filter=Q(status="pending")),
        vermin_pending=Count("id", filter=Q(vermin_status="pending")),
        vermin_ms=Count("id", filter=Q(vermin_status="ms")),
        vermin_tms=Count("id", filter=Q(vermin_status="tms")),
        vermin_held=Count("id", filter=Q(vermin_status="held")),
        verfak_pending=Count("id", filter=Q(verfak_status="pending")),
        verfak_ms=Count("id", filter=Q(verfak_status="ms")),
        verfak_tms=Count("id", filter=Q(verfak_status="tms")),
        objected=Count("id", filter=Q(objected=True)),
    )
    reasons = dict(
        rows.filter(vermin_status__in=("tms", "held"))
        .values_list("vermin_reason")
        .annotate(n=Count("id"))
        .values_list("vermin_reason", "n")
    )
    agg["reasons"] = {code: reasons.get(code, 0) for code in VERMIN_REASONS}
    agg["reason_rows"] = [
        {"code": code, "label": REASON_LABELS[code], "n": reasons.get(code, 0)}
        for code in VERMIN_REASONS
    ]
    return agg


#: Child code length under a parent code of each length (province -> kab/kota -> ...).
_CHILD_WIDTH = {2: 4, 4: 6, 6: 10}


def area_counts(*, user, pair: Pair, parent: str) -> list[dict]:
    """Counts per child area of ``parent`` (kab/kota under a province, kecamatan under a
    kab/kota, kelurahan under a kecamatan) of the rows ``user`` may see: listed, MS and TMS
    overall, MS after vermin, pending verfak. One grouped query; names from the regions."""
    from django.db.models.functions import Substr

    from pilkada.regions.models import Region

    width = _CHILD_WIDTH.get(len(parent))
    if width is None:
        return []
    rows = (
        supporters_visible(user=user, pair=pair)
        .filter(region_code__startswith=parent)
        .annotate(area=Substr("region_code", 1, width))
        .values("area")
        .annotate(
            listed=Count("id"),
            ms=Count("id", filter=Q(status="ms")),
            tms=Count("id", filter=Q(status="tms")),
            vermin_ms=Count("id", filter=Q(vermin_status__in=("ms", "held"))),
            verfak_pending=Count("id", filter=Q(verfak_status="pending")),
        )
    )
    counts = {r["area"]: r for r in rows}
    level = {4: "kabkota", 6: "kecamatan", 10: "kelurahan"}[width]
    regions = Region.objects.filter(level=level, code__startswith=parent)
    out = []
    for region in regions.order_by("code"):
        c = counts.get(region.code, {})
        out.append({
            "code": region.code, "name": region.name, "drill": width < 10,
            **{k: c.get(k, 0) for k in ("listed", "ms", "tms", "vermin_ms", "verfak_pending")},
        })  # fmt: skip
    if len(parent) == 2:
        unknown = supporters_visible(user=user, pair=pair).filter(region_code="")
        n = unknown.count()
        if n:
            out.append({"code": "", "name": "-", "drill": False, "listed": n, "ms": 0,
                        "tms": unknown.filter(status="tms").count(), "vermin_ms": 0,
                        "verfak_pending": 0})  # fmt: skip
    return out
