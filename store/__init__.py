"""All persistence behind one typed interface (this branch: the beads area only)."""
