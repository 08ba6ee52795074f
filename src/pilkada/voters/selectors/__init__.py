"""Reads of the voter register, scoped by role and region; one module per part of the flow."""

from .counts import voter_counts

__all__ = ["voter_counts"]
