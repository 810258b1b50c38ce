"""FAQ triage: logging questions and outcomes, the misses report. No Telegram."""
