"""Document templates: decision packets and reports."""
