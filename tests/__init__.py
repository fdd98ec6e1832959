"""Samverkan test suite."""
