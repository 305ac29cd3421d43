"""taiyaku tm package."""
