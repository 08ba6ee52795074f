"""publication: reads of the voter register."""
