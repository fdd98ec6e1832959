"""Notifications: contact routes (Apprise URLs), routing by role, the outbox and delivery."""
