"""Reliability tests: crash safety, concurrency, bad inputs and fuzzing (issue 8)."""
