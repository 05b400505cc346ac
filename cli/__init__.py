"""The ``praktijkbank`` command."""
