"""Alerts: the outbox (written with the status change), routing, channels, delivery."""
