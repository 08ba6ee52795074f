"""sync: reads of the voter register."""
