"""Tickets: the consultation ticket service, its state rules and statistics. No Telegram."""
