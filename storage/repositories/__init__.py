"""Queries by resource. Repositories read and ``flush()``; the caller's unit of work commits."""
