"""Reads of the public application form and of the applicant's own page.

* :func:`area_options`: the dependent selects of the form (kecamatan -> kelurahan -> TPS),
  listing only areas where the body has an opening in the election;
* :func:`domicile_options`: kecamatan -> kelurahan of the election's region;
* :func:`open_application`: an application by its number and access code, at the same
  cost whether the number exists or not, and the same answer (None) for a wrong code and
  an unknown number;
* :func:`own_application`: what the applicant's page shows -- of that one application only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import check_password, make_password
from django.db.models.functions import Substr

from pilkada.regions.models import Region

from ..models import Application, ApplicationDocument, Body, Member, Opening
from ..models.applications import REASONS, WARNINGS
from ..models.bodies import BODY_LEVEL
from ..services.apply import APPLY_ACTION, normalise_access_code, normalise_number

__all__ = [
    "AreaOptions",
    "OwnApplication",
    "area_options",
    "domicile_options",
    "open_application",
    "own_application",
]

LEVEL_LENGTH = {"kecamatan": 6, "kelurahan": 10, "tps": 13}


@dataclass
class AreaOptions:
    """The choices of each select of the form's area part (empty: not shown yet)."""

    body: str = ""
    level: str = ""  # the body's area level
    kecamatan: list[tuple[str, str]] = field(default_factory=list)
    kelurahan: list[tuple[str, str]] = field(default_factory=list)
    tps: list[tuple[str, str]] = field(default_factory=list)
    chosen: dict = field(default_factory=dict)  # kecamatan, kelurahan, tps (valid choices only)
    region_code: str = ""  # the area applied for, once chosen down to the body's level


def _names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def _kecamatan_labels(codes: list[str]) -> list[tuple[str, str]]:
    """``KECAMATAN — KAB/KOTA``: a kecamatan's name alone may repeat across a province."""
    names = _names(set(codes) | {c[:4] for c in codes})
    return sorted(
        ((c, f"{names.get(c, c)} — {names.get(c[:4], c[:4])}") for c in codes),
        key=lambda item: item[1],
    )


def _seats_label(name: str, seats: int) -> str:
    return f"{name} ({seats})"


def area_options(
    *, election, body: str, kecamatan: str = "", kelurahan: str = "", tps: str = ""
) -> AreaOptions:
    """The selects for ``body``: its kecamatan with openings; then, for PPS, KPPS and
    Pantarlih, the kelurahan of the chosen kecamatan with openings; then, for KPPS and
    Pantarlih, the TPS of the chosen kelurahan. The label of the final level carries the
    seats. A choice that is not among the options is dropped (and the levels below it)."""
    if body not in Body.values:
        return AreaOptions()
    level = BODY_LEVEL[body]
    out = AreaOptions(body=body, level=level)
    openings = Opening.objects.filter(election=election, body=body)
    if level == "kecamatan":
        rows = dict(openings.values_list("region_code", "seats"))
        labels = _kecamatan_labels(list(rows))
        out.kecamatan = [(c, _seats_label(label, rows[c])) for c, label in labels]
    else:
        codes = list(
            openings.annotate(k=Substr("region_code", 1, 6))
            .values_list("k", flat=True)
            .distinct()
            .order_by()
        )
        out.kecamatan = _kecamatan_labels(codes)
    if kecamatan not in {c for c, _ in out.kecamatan}:
        return out
    out.chosen["kecamatan"] = kecamatan
    if level == "kecamatan":
        out.region_code = kecamatan
        return out
    under = openings.filter(region_code__startswith=kecamatan)
    if level == "kelurahan":
        rows = dict(under.values_list("region_code", "seats"))
        names = _names(rows)
        out.kelurahan = sorted(
            ((c, _seats_label(names.get(c, c), rows[c])) for c in rows), key=lambda i: i[1]
        )
    else:
        codes = (
            under.annotate(k=Substr("region_code", 1, 10))
            .values_list("k", flat=True)
            .distinct()
            .order_by()
        )
        names = _names(codes)
        out.kelurahan = sorted(((c, names.get(c, c)) for c in codes), key=lambda i: i[1])
    if kelurahan not in {c for c, _ in out.kelurahan}:
        return out
    out.chosen["kelurahan"] = kelurahan
    if level == "kelurahan":
        out.region_code = kelurahan
        return out
    rows = dict(
        openings.filter(region_code__startswith=kelurahan)
        .order_by("region_code")
        .values_list("region_code", "seats")
    )
    out.tps = [(c, _seats_label(f"TPS {c[10:]}", s)) for c, s in rows.items()]
    if tps in rows:
        out.chosen["tps"] = tps
        out.region_code = tps
    return out


def area_path(region_code: str) -> dict:
    """The select values that lead to ``region_code`` (to show a stored choice again)."""
    return {
        "kecamatan": region_code[:6],
        "kelurahan": region_code[:10] if len(region_code) >= 10 else "",
        "tps": region_code if len(region_code) == 13 else "",
    }


def domicile_options(*, election, kecamatan: str = "") -> dict:
    """Kecamatan of the election's region and, when one is chosen, its kelurahan/desa."""
    codes = list(
        Region.objects.filter(level="kecamatan", code__startswith=election.region_code)
        .order_by("code")
        .values_list("code", flat=True)
    )
    out = {"kecamatan": _kecamatan_labels(codes), "kelurahan": [], "chosen": ""}
    if kecamatan in codes:
        out["chosen"] = kecamatan
        out["kelurahan"] = list(
            Region.objects.filter(level="kelurahan", code__startswith=kecamatan)
            .order_by("name")
            .values_list("code", "name")
        )
    return out


_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current default hasher: checking a code against it costs what
    checking against a real application's hash costs."""
    from django.contrib.auth.hashers import get_hasher

    algorithm = get_hasher().algorithm
    if algorithm not in _DUMMY_HASH:
        _DUMMY_HASH[algorithm] = make_password("no-such-application")
    return _DUMMY_HASH[algorithm]


def open_application(*, election, number: str, access_code: str) -> Application | None:
    """The election's application with ``number`` when ``access_code`` is its code, else
    None -- for a wrong code and an unknown number alike, after one password check either
    way (the caller is rate-limited and padded to a minimum time as well)."""
    wanted = normalise_number(number)
    code = normalise_access_code(access_code)
    application = (
        Application.objects.filter(election=election, number=wanted)
        .select_related("election")
        .first()
        if wanted
        else None
    )
    encoded = application.access_code_hash if application is not None else _dummy_hash()
    ok = check_password(code or "-", encoded)
    return application if ok and application is not None else None


@dataclass
class OwnApplication:
    """The applicant's page: the application, its area's names, its documents, what the
    checks found (only once they ran) and the selection result (only once ranked)."""

    application: Application
    area_label: str
    domicile_label: str
    documents: list[ApplicationDocument]
    missing_documents: list[tuple[str, str]]
    checked: bool
    reasons: list[str]
    warnings: list[str]
    result: str
    seated: bool
    window_open: bool
    window_reason: str

    @property
    def changeable(self) -> bool:
        """Whether the applicant may still correct it or replace a document (the service
        decides again on every change)."""
        a = self.application
        return (
            self.window_open
            and a.state == Application.State.SUBMITTED
            and not a.result
            and not self.seated
        )


def _area_label(region_code: str) -> str:
    codes = {region_code[:6], region_code[:10]} if len(region_code) >= 10 else {region_code}
    names = _names(codes)
    parts = [names.get(region_code[:6], region_code[:6])]
    if len(region_code) >= 10:
        parts.append(names.get(region_code[:10], region_code[:10]))
    if len(region_code) == 13:
        parts.append(f"TPS {region_code[10:]}")
    return " / ".join(parts)


def own_application(*, application_id: int, election) -> OwnApplication | None:
    """The page of the applicant who opened application ``application_id`` (the id comes
    from their session, set by :func:`open_application`); None when it is gone."""
    from pilkada.schedule.gate import is_open

    application = (
        Application.objects.filter(pk=application_id, election=election)
        .select_related("election")
        .first()
    )
    if application is None:
        return None
    documents = list(ApplicationDocument.objects.filter(application=application).order_by("kind"))
    have = {d.kind for d in documents}
    decision = is_open(election=election, action=APPLY_ACTION)
    checked = application.eligibility != Application.Check.PENDING
    return OwnApplication(
        application=application,
        area_label=_area_label(application.region_code),
        domicile_label=_area_label(application.domicile_code),
        documents=documents,
        missing_documents=[
            (k.value, k.label) for k in ApplicationDocument.Kind if k.value not in have
        ],
        checked=checked,
        reasons=[str(REASONS.get(r, r)) for r in application.reasons] if checked else [],
        warnings=[str(WARNINGS.get(w, w)) for w in application.warnings] if checked else [],
        result=application.get_result_display() if application.result else "",
        seated=Member.objects.filter(application=application).exists(),
        window_open=decision.open,
        window_reason=decision.reason,
    )


def own_document(*, application_id: int, kind: str) -> ApplicationDocument | None:
    """One document of the applicant's own application."""
    return ApplicationDocument.objects.filter(application_id=application_id, kind=kind).first()
