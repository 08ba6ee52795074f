"""Ad hoc bodies: recruiting PPK, PPS, KPPS and Pantarlih online (issue 5)."""
