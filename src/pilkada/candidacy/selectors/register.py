"""The register rows that verifikasi administrasi needs, read set-based.

Only the rows whose NIK is on the supporter list are read: the list's distinct NIKs go into
a temporary table (COPY on PostgreSQL, one ``executemany`` on SQLite) and one join on the
register's NIK index returns their rows -- about a million rows out of eight, instead of the
whole register. Every source of the election's register is read (DP4, new voters found in
coklit, the previous DPT): the engine decides which row speaks for a NIK.
"""

from __future__ import annotations

import polars as pl
from django.db import connection

from pilkada.engine.dbload import insert_frames
from pilkada.voters.models import Voter
from pilkada.voters.services.common import read_frame

REGISTER_SCHEMA = {
    "voter_id": pl.Int64,
    "nik": pl.String,
    "status": pl.String,
    "tms_code": pl.Int64,
    "tanggal_lahir": pl.Date,
    "status_kawin": pl.String,
    "kelurahan_code": pl.String,
    "source": pl.String,
}
_TEMP = "candidacy_tmp_support_nik"


def register_rows_for(*, election, niks: pl.Series) -> pl.DataFrame:
    """The register rows of ``election`` whose NIK is in ``niks`` (REGISTER_SCHEMA).

    Runs inside the caller's transaction when there is one; the temporary table is dropped
    before returning."""
    # Sorted: the temporary table's key is then built by appending, not by random inserts.
    distinct = pl.DataFrame({"nik": niks.cast(pl.String)}).drop_nulls().unique().sort("nik")
    voter = Voter._meta.db_table
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_TEMP}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_TEMP} (nik varchar(32) PRIMARY KEY)")
    try:
        with connection.wrap_database_errors:
            insert_frames(connection.connection, connection.vendor, _TEMP, ["nik"], [distinct])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {_TEMP}")
        # SQLite: CROSS JOIN fixes the order -- one sequential scan of the register probing
        # the temporary table's key instead of a million random probes of the register's
        # NIK index (faster in a one-off trial; bench/support_service.py measures the whole
        # path). PostgreSQL chooses a hash join by itself.
        join = "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"
        return read_frame(
            f"SELECT v.id, v.nik, v.status, v.tms_code, v.tanggal_lahir, v.status_kawin, "
            f"v.kelurahan_code, v.source FROM {voter} v {join} {_TEMP} t ON t.nik = v.nik "
            f"WHERE v.election_id = %s",
            REGISTER_SCHEMA,
            [election.pk],
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_TEMP}")
