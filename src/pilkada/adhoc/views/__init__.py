"""Pages of the ad hoc bodies' recruitment, one module per part; each module defines its
``urlpatterns`` (full paths) and its ``MENU`` entries, collected by ``pilkada.adhoc.urls`` and
the hub."""
