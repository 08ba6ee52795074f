"""Job kinds: duplicates."""
