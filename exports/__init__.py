"""taiyaku exports package."""
