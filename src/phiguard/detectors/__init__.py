"""Detection layers, one module each: patterns (regex + validators + context), and later ones."""
