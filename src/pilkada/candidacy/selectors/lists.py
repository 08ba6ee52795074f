"""Reads of the NIK lists KPU uploaded."""

from __future__ import annotations

import polars as pl
from django.db import connection

from ..models import NikList, NikListEntry


def nik_lists(*, election) -> list[NikList]:
    return list(NikList.objects.filter(election=election).order_by("category"))


def listed_categories(*, election, nik: str) -> list[str]:
    """The categories whose list holds ``nik``."""
    return sorted(
        NikList.objects.filter(
            election=election, pk__in=NikListEntry.objects.filter(nik=nik).values("nik_list")
        ).values_list("category", flat=True)
    )


def barred_frame(*, election, categories=None) -> pl.DataFrame:
    """Every (nik, category) of the election's lists, one set-based read (for vermin)."""
    entry = NikListEntry._meta.db_table
    lists = NikList._meta.db_table
    sql = (
        f"SELECT e.nik, l.category FROM {entry} e JOIN {lists} l ON l.id = e.nik_list_id "
        "WHERE l.election_id = %s"
    )
    params: list = [election.pk]
    if categories:
        sql += f" AND l.category IN ({', '.join(['%s'] * len(categories))})"
        params += list(categories)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema={"nik": pl.String, "category": pl.String}, orient="row")
