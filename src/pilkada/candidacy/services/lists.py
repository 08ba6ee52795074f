"""NIK lists that KPU uploads as evidence (TNI, Polri, ASN, village officials, organisers and
ad hoc members, party members): each category is one list, replaced whole by a new upload.

The file is CSV, XLSX or Parquet with a ``nik`` column (``nama`` and ``keterangan`` are
kept out of the database: the list is evidence by NIK only). Every row is accepted, a
duplicate of an earlier row of the same file (counted, kept once), or rejected to the rejects
file with its line and reason. The replacement and its audit entry are one transaction: a
failed upload leaves the previous list as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, transaction

from pilkada.accounts.permissions import require
from pilkada.audit.services import record_audit
from pilkada.engine.dbload import insert_frames
from pilkada.engine.nik import validate_nik_frame
from pilkada.engine.tabular_read import ColumnSpec, FileProblem, FileRejected, open_table

from ..models import NikList, NikListEntry

PERMISSION = "candidacy.lists_upload"
LIST_COLUMNS = ColumnSpec(
    names=("nik", "nama", "keterangan"),
    required=frozenset({"nik"}),
    aliases={"no_nik": "nik", "nomor_induk_kependudukan": "nik", "nik_ktp": "nik"},
)


class ListUploadRefused(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class ListUploadResult:
    nik_list: NikList
    read: int
    accepted: int
    duplicates: int
    rejected: int
    rejects_file: str
    replaced: dict | None

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.duplicates + self.rejected

    def as_dict(self) -> dict:
        return {
            "list_id": self.nik_list.pk,
            "category": self.nik_list.category,
            "file": self.nik_list.file_name,
            "sha256": self.nik_list.sha256,
            "read": self.read,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "reconciles": self.reconciles,
            "rejects_file": self.rejects_file,
            "replaced": self.replaced,
        }


def _category(value: str) -> str:
    if value not in NikList.Category.values:
        raise ListUploadRefused(
            "unknown_category",
            f"unknown category {value!r}: use one of {', '.join(NikList.Category.values)}",
        )
    return value


def _rejects_path(election, category: str) -> Path:
    folder = Path(settings.DATA_DIR) / "candidacy" / "lists"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{election.slug}-{category}-rejects.csv"


def read_nik_list(
    path: str | Path, *, rejects_path: Path, today: dt.date
) -> tuple[pl.DataFrame, dict]:
    """Read and validate a NIK list file: (frame of distinct valid NIKs, counts). Rejected
    rows go to ``rejects_path`` (``line,column,reason_code,reason,raw``)."""
    source = open_table(path, LIST_COLUMNS)
    valid: list[pl.DataFrame] = []
    read = 0
    with open(rejects_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "column", "reason_code", "reason", "raw"])
        for batch in source.batches():
            read += batch.height
            checked = validate_nik_frame(
                batch.select("line", "raw", "row_error", "nik"), "nik", reference_date=today
            )
            bad = checked.filter(
                pl.col("row_error").is_not_null() | pl.col("nik_error").is_not_null()
            )
            for line, raw, row_error, error in bad.select(
                "line", "raw", "row_error", pl.col("nik_error").cast(pl.String)
            ).iter_rows():
                code = row_error or f"nik_{error}"
                reason = "the row cannot be read" if row_error else f"invalid NIK ({error})"
                writer.writerow([line, "" if row_error else "nik", code, reason, raw])
            valid.append(
                checked.filter(
                    pl.col("row_error").is_null() & pl.col("nik_error").is_null()
                ).select(pl.col("nik_clean").alias("nik"))
            )
    niks = pl.concat(valid) if valid else pl.DataFrame({"nik": []}, schema={"nik": pl.String})
    ok = niks.height
    distinct = niks.unique(maintain_order=True)
    counts = {
        "read": read,
        "accepted": distinct.height,
        "duplicates": ok - distinct.height,
        "rejected": read - ok,
        "sha256": source.sha256,
        "format": source.format,
    }
    return distinct, counts


def upload_nik_list(
    *, election, category: str, path: str | Path, actor, source: str = "", file_name: str = ""
) -> ListUploadResult:
    """Replace the election's list of ``category`` with the NIKs of the file at ``path``."""
    category = _category(category)
    if actor is not None and not isinstance(actor, str):  # None/str: system, operator CLI
        require(actor, PERMISSION, election.region_code)
    from pilkada.core import clock

    rejects = _rejects_path(election, category)
    niks, counts = read_nik_list(path, rejects_path=rejects, today=clock.today())
    if not counts["accepted"]:
        raise FileRejected(FileProblem.NOTHING_READABLE, "(no valid NIK in the file)")
    actor_name = actor if isinstance(actor, str) else getattr(actor, "username", "") or "system"
    with transaction.atomic():
        old = NikList.objects.select_for_update().filter(election=election, category=category)
        replaced = None
        for previous in old:
            replaced = {
                "list_id": previous.pk,
                "entries": previous.entries,
                "sha256": previous.sha256,
            }
            NikListEntry.objects.filter(nik_list=previous).delete()
            previous.delete()
        nik_list = NikList.objects.create(
            election=election,
            category=category,
            source=source,
            file_name=file_name or Path(path).name,
            sha256=counts["sha256"],
            entries=counts["accepted"],
            rejected=counts["rejected"],
            uploaded_by=actor_name,
        )
        connection.ensure_connection()
        insert_frames(
            connection.connection,
            connection.vendor,
            NikListEntry._meta.db_table,
            ["nik_list_id", "nik"],
            [niks.with_columns(nik_list_id=pl.lit(nik_list.pk, dtype=pl.Int64))],
        )
        record_audit(
            actor=actor,
            action="candidacy.nik_list_upload",
            object_type="candidacy.NikList",
            object_id=nik_list.pk,
            old=replaced,
            new={
                "category": category,
                "file": nik_list.file_name,
                "sha256": nik_list.sha256,
                **{k: counts[k] for k in ("read", "accepted", "duplicates", "rejected")},
            },
        )
    rel = str(rejects.relative_to(Path(settings.DATA_DIR)))
    return ListUploadResult(
        nik_list=nik_list,
        read=counts["read"],
        accepted=counts["accepted"],
        duplicates=counts["duplicates"],
        rejected=counts["rejected"],
        rejects_file=rel,
        replaced=replaced,
    )
