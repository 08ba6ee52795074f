"""Models of the voter register, one module per part of the flow (PKPU 7/2024).

- register:    imported files (DP4, previous DPT), the voters, counts per region
- duplicates:  suggested duplicate groups (ganda) and the officers' decisions
- sync:        DP4 synchronised with the previous DPT
- coklit:      door-to-door checking by Pantarlih
- publication: DPS / DPSHP / DPT snapshots, recap tables, public responses (tanggapan)
- dukcapil:    KTP-el issuance for voters without one
- moves:       DPTb (pindah memilih) and DPK
"""

from .coklit import *  # noqa: F403
from .dukcapil import *  # noqa: F403
from .duplicates import *  # noqa: F403
from .moves import *  # noqa: F403
from .publication import *  # noqa: F403
from .register import ImportBatch, RegionVoterCount, Voter
from .sync import *  # noqa: F403

__all__ = ["ImportBatch", "RegionVoterCount", "Voter"]
