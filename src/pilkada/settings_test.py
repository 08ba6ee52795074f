"""Settings for the test suite: production settings with plain HTTP (the test client and the
live server speak HTTP) and an ephemeral secret key. Everything else is as deployed."""

import os

os.environ.setdefault("PILKADA_HTTPS", "0")
os.environ.setdefault("PILKADA_ALLOW_EPHEMERAL_KEY", "1")

from .settings import *  # noqa: F403
from .settings import STATIC_ROOT

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
