"""The JSON API (v1), with its OpenAPI document at /api/v1/openapi.json and interactive docs at
/api/v1/docs (served from the app's own static files: no CDN).

Each app contributes a router of thin endpoints over its selectors and services; this module
only mounts them. Public endpoints return aggregates only, never personal data.
"""

from ninja import NinjaAPI

from pilkada.adhoc.api import router as adhoc_router
from pilkada.core.api import router as core_router
from pilkada.regions.api import router as regions_router
from pilkada.schedule.api import router as schedule_router

api = NinjaAPI(
    title="pilkada API",
    version="1",
    description=(
        "Election administration for Indonesian regional head elections (Pilkada). "
        "Region codes are KPU style (no dots); dotted Kemendagri codes are accepted."
    ),
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/schedule", schedule_router)
api.add_router("/regions", regions_router)
api.add_router("/adhoc", adhoc_router)
