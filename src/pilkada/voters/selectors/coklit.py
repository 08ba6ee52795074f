"""coklit: reads of the voter register."""
