"""Organisation configuration: YAML with line numbers, strict pydantic schema, loading into the DB."""
