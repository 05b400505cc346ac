"""Vectors and text: embedder, lexical terms, chunking, the Qdrant index adapters, hybrid search, the worker.

Nothing here imports FastAPI.
"""
