"""Writes of candidacy, one module per part; each write records its audit entry in the
same transaction."""
