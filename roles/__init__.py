"""Who holds a role on a day: the queries every layer above uses."""
