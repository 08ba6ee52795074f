"""moves: writes of the voter register."""
