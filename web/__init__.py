"""The web app: server-rendered Swedish pages and an HTTP API over the service layer."""
