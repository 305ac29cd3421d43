"""taiyaku glossary package."""
