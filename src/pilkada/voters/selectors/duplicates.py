"""duplicates: reads of the voter register."""
