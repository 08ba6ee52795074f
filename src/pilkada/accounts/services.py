"""Writes of user accounts: officers' accounts with a role and a region, the operator, the
demo accounts. Every account created leaves an audit entry (never with the password)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from pilkada.audit.services import record_audit
from pilkada.regions.codes import (
    CODE_LENGTH,
    InvalidRegionCode,
    level_of,
    normalize_region_code,
)
from pilkada.regions.models import Region
from pilkada.regions.services import ensure_tps

from .models import User
from .permissions import is_operator, require, valid_scope
from .roles import ROLE_SCOPE_LEVELS, Role

__all__ = ["DemoAccount", "create_operator", "create_user", "ensure_demo_accounts"]

AUDITED_FIELDS = ("username", "role", "region_code", "full_name", "agency", "is_active")


def _snapshot(user: User) -> dict:
    data = {f: getattr(user, f) for f in AUDITED_FIELDS}
    data["is_superuser"] = user.is_superuser
    return data


def _clean_region(role: str, region_code: str) -> str:
    """The undotted region code, valid for the role and present in the database."""
    try:
        code = normalize_region_code(region_code, allow_tps=True)
    except (InvalidRegionCode, AttributeError) as exc:
        reason = getattr(exc, "reason", "not a region code")
        raise ValidationError({"region_code": f"{region_code!r}: {reason}"}) from None
    if not valid_scope(role, code):
        levels = ", ".join(ROLE_SCOPE_LEVELS.get(role, ()))
        raise ValidationError(
            {
                "region_code": (
                    f"{code} is a {level_of(code)} code; role {role} is scoped to: {levels}"
                )
            }
        )
    # A TPS-level scope needs the TPS's kelurahan to exist (the TPS itself may come later).
    region = code[: CODE_LENGTH["kelurahan"]] if level_of(code) == "tps" else code
    if not Region.objects.filter(code=region).exists():
        raise ValidationError({"region_code": f"region {region} is not loaded"})
    return code


def create_user(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    role: str,
    region_code: str,
    full_name: str = "",
    agency: str = "",
    email: str = "",
    check_password: bool = True,
) -> User:
    """Create an officer's account with a role and a region.

    ``password`` None makes an account without a usable password: its owner sets one through
    a one-time link (seated ad hoc members). An empty password is refused.

    ``actor`` None is the system (the operator's command line). Otherwise the actor needs
    ``accounts.manage`` in the new account's region: a KPU kab/kota creates accounts only
    inside its own city. Raises ``ValidationError`` (by field) for a bad role, region,
    username or password, ``PermissionDenied`` when the actor may not.
    """
    if role not in Role.values:
        raise ValidationError({"role": f"unknown role {role!r}; one of {', '.join(Role.values)}"})
    code = _clean_region(role, region_code)
    if actor is not None:
        require(actor, "accounts.manage", code)
    user = User(
        username=username.strip(),
        role=role,
        region_code=code,
        full_name=full_name.strip(),
        agency=agency.strip(),
        email=email.strip(),
    )
    return _save_new(user, password, actor=actor, action="accounts.create",
                     check_password=check_password)  # fmt: skip


def create_operator(
    *, actor: User | None, username: str, password: str, full_name: str = "",
    check_password: bool = True,
) -> User:  # fmt: skip
    """Create a system operator: a superuser with no election role. Only the system
    (``actor`` None, i.e. the command line) or another operator may."""
    if actor is not None and not is_operator(actor):
        raise PermissionDenied("accounts.create_operator: only an operator may create one")
    user = User(username=username.strip(), full_name=full_name.strip(), is_staff=True,
                is_superuser=True)  # fmt: skip
    return _save_new(user, password, actor=actor, action="accounts.create_operator",
                     check_password=check_password)  # fmt: skip


def _save_new(
    user: User, password: str | None, *, actor, action: str, check_password: bool
) -> User:
    """Check the password and the fields, then save the new account with its audit entry.
    ``password`` None: no usable password (set later through a one-time link)."""
    if password is None:
        user.set_unusable_password()
    elif not password:
        raise ValidationError({"password": "a password is required"})
    else:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(force_insert=True)
        record_audit(
            actor=actor,
            action=action,
            object_type="accounts.User",
            object_id=str(user.pk),
            old=None,
            new=_snapshot(user),  # never the password or its hash
        )
    return user


DemoAccount = tuple[str, str, str, str]  # (username, role, region_code, description)


def ensure_demo_accounts(
    *, province_code: str, password: str, kabkota_code: str | None = None
) -> list[DemoAccount]:
    """One demo account per role in a province, created if missing; safe to re-run.

    The accounts sit at a deterministic place: the province's first kab/kota by code (or
    ``kabkota_code``), its first kecamatan, that kecamatan's first kelurahan and its TPS 001
    (established here if missing). Returns ``(username, role, region_code, description)``
    for every demo account, whether created now or before; "admin" is the operator
    (role ""). An existing account with a different role or region is an error, never
    silently re-scoped. Demo passwords skip the strength check: they are for demos.
    """
    province = Region.objects.get(code=normalize_region_code(province_code), level="provinsi")
    if kabkota_code is not None:
        kabkota = Region.objects.get(
            code=normalize_region_code(kabkota_code), level="kabkota", parent=province
        )
    else:
        kabkota = _first_child(province)
    kecamatan = _first_child(kabkota)
    kelurahan = _first_child(kecamatan)
    p, k, c, v = province.code, kabkota.code, kecamatan.code, kelurahan.code
    R = Role
    with transaction.atomic():
        tps, _created = ensure_tps(actor=None, kelurahan_code=v, number=1)
        t = tps.code
        wanted: list[tuple[str, str, str, str, str]] = [
            # username, role, region, agency, description
            ("kpu-prov", R.KPU_PROVINSI, p, "", f"KPU Provinsi {province.name}"),
            (f"kpu-{k}", R.KPU_KABKOTA, k, "", f"KPU {kabkota.name}"),
            (f"ppk-{c}", R.PPK, c, "", f"PPK Kecamatan {kecamatan.name}"),
            (f"pps-{v}", R.PPS, v, "", f"PPS {_village(kelurahan)}"),
            (f"kpps-{t}", R.KPPS, t, "", f"KPPS {tps.label} {_village(kelurahan)}"),
            (f"pantarlih-{t}", R.PANTARLIH, t, "", f"Pantarlih {tps.label} {_village(kelurahan)}"),
            ("bawaslu-prov", R.BAWASLU, p, "Bawaslu", f"Bawaslu Provinsi {province.name}"),
            (f"panwascam-{c}", R.BAWASLU, c, "Panwascam",
             f"Panwascam {kecamatan.name} (Bawaslu, kecamatan)"),
            ("dukcapil-prov", R.DUKCAPIL, p, "Dukcapil", f"Dukcapil Provinsi {province.name}"),
            ("polda", R.AGENCY, p, "Polda", f"Polda (viewer, province {province.name})"),
            ("lo-demo", R.LO, p, "LO paslon (demo)", "Liaison officer of a candidate pair"),
        ]  # fmt: skip
        out: list[DemoAccount] = []
        for username, role, region, agency, description in wanted:
            existing = User.objects.filter(username=username).first()
            if existing is None:
                create_user(
                    actor=None,
                    username=username,
                    password=password,
                    role=role,
                    region_code=region,
                    full_name=f"Demo {description}",
                    agency=agency,
                    check_password=False,
                )
            elif existing.role != role or existing.region_code != region:
                raise ValueError(
                    f"account {username} exists as {existing.role or 'operator'} of "
                    f"{existing.region_code or '-'}, not {role} of {region}; not changed"
                )
            out.append((username, str(role), region, description))
        existing = User.objects.filter(username="admin").first()
        if existing is None:
            create_operator(
                actor=None, username="admin", password=password, full_name="Demo operator",
                check_password=False,
            )  # fmt: skip
        elif not (existing.is_superuser and not existing.role):
            raise ValueError("account admin exists and is not an operator; not changed")
        out.append(("admin", "", "", "System operator (superuser, no election role)"))
    return out


def _first_child(region: Region) -> Region:
    child = region.children.order_by("code").first()
    if child is None:
        raise Region.DoesNotExist(f"{region.code} {region.name} has no regions under it")
    return child


def _village(region: Region) -> str:
    return f"{(region.kind or 'kelurahan').capitalize()} {region.name}"
