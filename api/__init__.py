"""HTTP: the FastAPI app factory, routers, dependencies, error rendering and web pages."""
