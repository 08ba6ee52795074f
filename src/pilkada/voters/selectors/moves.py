"""moves: reads of the voter register."""
