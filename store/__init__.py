"""All persistence of taiyaku behind one typed interface (``taiyaku.store``)."""
