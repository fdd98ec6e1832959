"""The `samverkan` command line (Swedish help texts)."""
