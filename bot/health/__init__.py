"""Cooperative health: scoring, the ratio table, the chat flow, governance, money parsing, the chart and staff alerts. No Telegram."""
