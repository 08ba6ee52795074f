"""lookup: writes of the voter register."""
