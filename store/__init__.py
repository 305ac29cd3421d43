"""Persistence: the SQL of taiyaku's rooms, behind typed classes (one module per backend)."""
