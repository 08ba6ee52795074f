"""lookup: reads of the voter register."""
