"""publication: writes of the voter register."""
