"""Writes to the voter register."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
from django.db import connection, transaction

from pilkada.audit.services import record_audit
from pilkada.engine.dbload import insert_frames
from pilkada.engine.dp4_frame import read_dp4_batches

from .models import ImportBatch, RegionVoterCount, Voter

VOTER_COLUMNS = [
    "election_id", "batch_id", "line", "nkk", "nik", "nama", "tempat_lahir", "tanggal_lahir",
    "jenis_kelamin", "status_kawin", "alamat", "rt", "rw", "kelurahan_code", "disabilitas",
    "ktp_el",
]  # fmt: skip

# Region code length at each level above the kelurahan (KPU style, no dots).
COUNT_LEVEL_LENGTHS = (2, 4, 6, 10)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def replace_population(*, election, path: Path, actor=None, kind=ImportBatch.Kind.DP4):
    """Replace the election's voters with the rows of a DP4 file, in one transaction.

    Used by the demo and by tests: rows go in set-based (COPY / executemany), never
    through the ORM one by one. A failure leaves the previous population in place.
    """
    path = Path(path)
    sha = file_sha256(path)
    with transaction.atomic():
        old_rows = Voter.objects.filter(election=election).count()
        Voter.objects.filter(election=election).delete()
        ImportBatch.objects.filter(election=election, kind=kind).delete()
        batch = ImportBatch.objects.create(
            election=election, kind=kind, file_name=path.name, sha256=sha
        )
        frames = (
            f.with_columns(
                pl.lit(election.pk, pl.Int64).alias("election_id"),
                pl.lit(batch.pk, pl.Int64).alias("batch_id"),
            )
            for f in read_dp4_batches(path)
        )
        connection.ensure_connection()
        rows = insert_frames(
            connection.connection, connection.vendor, Voter._meta.db_table, VOTER_COLUMNS, frames
        )
        batch.rows = rows
        batch.save(update_fields=["rows"])
        refresh_region_counts(election=election)
        record_audit(
            actor=actor,
            action="voters.population.replace",
            object_type="voters.ImportBatch",
            object_id=str(batch.pk),
            old={"rows": old_rows},
            new={"rows": rows, "file": path.name, "sha256": sha, "kind": kind},
        )
    return batch


def refresh_region_counts(*, election) -> None:
    """Recount voters per region at every level with one INSERT ... SELECT per level."""
    table = RegionVoterCount._meta.db_table
    voters = Voter._meta.db_table
    with transaction.atomic():
        RegionVoterCount.objects.filter(election=election).delete()
        with connection.cursor() as cursor:
            for length in COUNT_LEVEL_LENGTHS:
                cursor.execute(
                    f"""
                    INSERT INTO {table} (election_id, region_code, total, laki_laki, perempuan)
                    SELECT election_id, substr(kelurahan_code, 1, %s), count(*),
                           sum(CASE WHEN jenis_kelamin = 'L' THEN 1 ELSE 0 END),
                           sum(CASE WHEN jenis_kelamin = 'P' THEN 1 ELSE 0 END)
                    FROM {voters}
                    WHERE election_id = %s AND length(kelurahan_code) = 10
                    GROUP BY election_id, substr(kelurahan_code, 1, %s)
                    """,
                    [length, election.pk, length],
                )
