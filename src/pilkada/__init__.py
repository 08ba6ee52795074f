"""pilkada: election administration for Indonesian regional head elections."""

__version__ = "0.1.0"
