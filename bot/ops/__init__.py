"""Running the bot in the office: backups and their retention, status, alerts to the admins,
the run lock. Telegram-free (handlers/admin.py is the Telegram side)."""
