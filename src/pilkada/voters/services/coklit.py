"""coklit: writes of the voter register."""
