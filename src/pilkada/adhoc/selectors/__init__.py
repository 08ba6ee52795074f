"""Reads of the ad hoc bodies' recruitment, scoped by role and region."""
