"""Models of the ad hoc bodies' recruitment, one module per part of the process
(PKPU 8/2022 on the formation and work of the ad hoc bodies).

- bodies:        the four bodies and the level of the area each one serves
- openings:      the seats of each body in each area (formasi), derived from the regions
- applications:  one application per person and body, its documents, checks and scores
- members:       the seated members, their accounts and replacements (PAW)
- selection:     the published announcements of each selection stage (frozen snapshots)
"""

from .applications import Application, ApplicationDocument
from .bodies import BODY_LEVEL, Body
from .members import Member
from .openings import Opening
from .selection import SelectionAnnouncement

__all__ = [
    "BODY_LEVEL",
    "Application",
    "ApplicationDocument",
    "Body",
    "Member",
    "Opening",
    "SelectionAnnouncement",
]
