"""Pages of candidacy, one module per part; each module defines its ``urlpatterns`` (full
paths), collected by ``pilkada.candidacy.urls``."""
