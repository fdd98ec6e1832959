"""Jinja2 templates (Swedish): messages, decision packets, reports and CLI summaries."""
