"""The service layer: what the CLI, the web app and the flows call. Plain Python, no Prefect."""
