"""Models of candidacy, one module per part of the process (PKPU 8/2024).

- pairs:       candidate pairs (paslon), their candidates, nominating parties, requirements,
               the LO accounts of a pair, the basis numbers (last DPT, DPRD votes)
- lists:       NIK lists KPU uploads (TNI, Polri, ASN, village officials, organisers ...)
- support:     uploaded supporter lists (B.1.1-KWK) and one row per supporter listed
- verfak:      verifikasi faktual outcomes recorded by the PPS
- objections:  "I did not give this support" objections from cek NIK dukungan
- oversight:   Bawaslu's recommendations and KPU's answers
"""

from .lists import NikList, NikListEntry
from .objections import SupportObjection
from .oversight import BawasluRecommendation
from .pairs import (
    CandidacyBasis,
    Candidate,
    Pair,
    PairLiaison,
    PairParty,
    PairRequirement,
    PartyVote,
)
from .support import SupportBatch, Supporter
from .verfak import FactualCheck

__all__ = [
    "BawasluRecommendation",
    "CandidacyBasis",
    "Candidate",
    "FactualCheck",
    "NikList",
    "NikListEntry",
    "Pair",
    "PairLiaison",
    "PairParty",
    "PairRequirement",
    "PartyVote",
    "SupportBatch",
    "SupportObjection",
    "Supporter",
]
