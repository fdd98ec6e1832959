"""Shared basics: settings and time handling (Europe/Stockholm, stored as UTC)."""
