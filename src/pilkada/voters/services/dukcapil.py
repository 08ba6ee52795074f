"""dukcapil: writes of the voter register."""
