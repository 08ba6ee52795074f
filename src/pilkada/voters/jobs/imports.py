"""Job kinds: imports."""
