"""Reads of candidacy, one module per part, scoped by role, region and (for an LO) pair."""
