"""Job kinds: tps."""
