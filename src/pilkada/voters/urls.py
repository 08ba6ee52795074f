"""URLs of the voter register: every area's ``urlpatterns`` (see ``views/__init__``).

Officers' pages live under ``pemilih/``; the public pages (cek DPT, the DPS announcement)
use their own short paths.
"""

from .views import (
    coklit,
    dukcapil,
    duplicates,
    eligibility,
    hub,
    imports,
    lookup,
    moves,
    publication,
    sync,
    tps,
)

app_name = "voters"
urlpatterns = [
    # The public cek DPT first: it takes most of the requests on busy days, and Django tries
    # the patterns in order.
    *lookup.urlpatterns,
    *hub.urlpatterns,
    *imports.urlpatterns,
    *eligibility.urlpatterns,
    *duplicates.urlpatterns,
    *sync.urlpatterns,
    *coklit.urlpatterns,
    *tps.urlpatterns,
    *publication.urlpatterns,
    *dukcapil.urlpatterns,
    *moves.urlpatterns,
]
