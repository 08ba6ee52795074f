"""engine/dbload.insert_frames on the test database (SQLite or PostgreSQL, whichever the run
uses): every row of every frame, constants on every row, awkward text intact, and a failure
in a later frame leaves nothing behind when the caller's transaction rolls back."""

import datetime as dt

import polars as pl
import pytest
from django.db import connection, transaction

from pilkada.engine import dbload
from pilkada.engine.dbload import insert_frames

TABLE = "engine_tmp_dbload_test"


@pytest.fixture
def table(db):
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {TABLE} (id integer, name varchar(50), born date, ok boolean, "
            "election_id integer, note varchar(20), flag boolean, missing varchar(5))"
        )
    yield TABLE
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _frame(start: int, n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(start, start + n)),
            "name": [f'O\'Neil, "{i}"\n' if i % 2 else None for i in range(start, start + n)],
            "born": [dt.date(1990, 1, 1) + dt.timedelta(days=i) for i in range(n)],
            "ok": [i % 3 == 0 for i in range(n)],
        }
    )


def _read() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, born, ok, election_id, note, flag, missing FROM {TABLE} ORDER BY id"
        )
        return cursor.fetchall()


def test_every_frame_with_constants(table):
    connection.ensure_connection()
    frames = [_frame(0, 5), _frame(5, 0), _frame(5, 4)]
    constants = {"election_id": 7, "note": "it's", "flag": True, "missing": None}
    with transaction.atomic():
        n = insert_frames(
            connection.connection, connection.vendor, table, ["id", "name", "born", "ok"],
            iter(frames), constants=constants,
        )  # fmt: skip
    assert n == 9
    rows = _read()
    assert [r[0] for r in rows] == list(range(9))
    expected = pl.concat(frames)
    for got, want in zip(rows, expected.iter_rows(), strict=True):
        assert got[1] == (want[1] if want[1] is not None else None)
        born = got[2] if isinstance(got[2], dt.date) else dt.date.fromisoformat(got[2])
        assert born == want[2]
        assert bool(got[3]) is want[3]
        assert got[4:6] == (7, "it's")
        assert bool(got[6]) is True and got[7] is None


def test_column_given_both_ways_is_refused(table):
    connection.ensure_connection()
    with pytest.raises(ValueError, match="both ways"):
        insert_frames(
            connection.connection, connection.vendor, table, ["id", "election_id"],
            [pl.DataFrame({"id": [1], "election_id": [2]})], constants={"election_id": 3},
        )  # fmt: skip


def test_a_failing_frame_rolls_back_with_the_caller(table):
    connection.ensure_connection()

    def frames():
        yield _frame(0, 3)
        yield _frame(3, 3)
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="source broke"), transaction.atomic():
        insert_frames(
            connection.connection, connection.vendor, table, ["id", "name", "born", "ok"],
            frames(),
        )  # fmt: skip
    assert _read() == []


def test_ahead_keeps_order_and_raises_the_workers_error():
    assert list(dbload._ahead(lambda x: x * 2, range(5))) == [0, 2, 4, 6, 8]
    assert list(dbload._ahead(lambda x: x, [])) == []

    def boom(x):
        if x == 2:
            raise ValueError("bad item")
        return x

    with pytest.raises(ValueError, match="bad item"):
        list(dbload._ahead(boom, range(4)))
