"""Job kinds: sync."""
