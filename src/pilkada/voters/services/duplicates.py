"""duplicates: writes of the voter register."""
