"""Pages of the voter register, one module per part of the flow; each module defines its
``urlpatterns`` (full paths), collected by ``pilkada.voters.urls``."""
