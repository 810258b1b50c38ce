"""The platform every journey stands on: settings, the services container, texts, the outbox and its delivery worker, the HTTP layer, rate limiting, buttons, time."""
