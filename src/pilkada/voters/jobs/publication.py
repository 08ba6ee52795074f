"""Job kinds: publication."""
