"""CLI text templates."""
