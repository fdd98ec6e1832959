"""The årshjul: cadences expanded into occurrences, triggers, the sweep and simulation (no Prefect here)."""
