"""sync: writes of the voter register."""
