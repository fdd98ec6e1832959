"""Prefect flows: thin wrappers that load from our database, call the domain, persist and notify."""
