"""Test data of the regions tests (importable by name: conftest modules are not)."""

from pilkada.regions.services import SHIPPED_DATA_DIR

JAKARTA = SHIPPED_DATA_DIR / "31.csv"

# Made up but realistic: a kabupaten with desa (2xxx) and a kota with kelurahan (1xxx); codes
# dotted and undotted, as both are allowed.
BANTEN = """kode,nama
36,Banten
36.01,Kabupaten Pandeglang
36.01.01,Sumur
36.01.01.2001,Kertajaya
36.01.01.2002,Tamanjaya
3671,Kota Tangerang
367101,Tangerang
3671011001,Sukaasih
3671011002,Babakan
"""
