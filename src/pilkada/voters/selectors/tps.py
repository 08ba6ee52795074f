"""tps: reads of the voter register."""
