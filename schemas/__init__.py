"""Pydantic contracts of the REST API. They describe; they do not act."""
