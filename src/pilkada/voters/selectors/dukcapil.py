"""dukcapil: reads of the voter register."""
