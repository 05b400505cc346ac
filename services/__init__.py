"""Use cases: they combine repositories, the access policy and index tasks. They only ``flush()``."""
