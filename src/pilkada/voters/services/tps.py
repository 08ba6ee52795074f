"""tps: writes of the voter register."""
