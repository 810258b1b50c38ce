"""Broadcasts from the office to managers. No Telegram."""
