"""The obligation calendar: legal obligations and their rules, reminders, meetings. No Telegram."""
