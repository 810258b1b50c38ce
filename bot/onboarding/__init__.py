"""Registration of managers and cooperatives. No Telegram."""
