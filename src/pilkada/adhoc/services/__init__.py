"""Writes of the ad hoc bodies' recruitment, one module per step; each with its audit entry in
the same transaction."""
