"""Cross-cutting pieces: settings, domain errors, logging."""
