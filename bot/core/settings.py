"""The one place settings come from: environment variables and `.env`.

Operations scripts rely on the exact variable names, so they are the field names upper-cased.
A bad value must stop start-up with one line naming the variable (see `load_settings`).
"""
from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated

LANGUAGES = ("id", "en")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    staff_chat_id: int | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    database_path: Path = Path("data/klinik.sqlite3")
    telegram_api_url: str = "https://api.telegram.org"
    timezone: str = "Asia/Jakarta"
    default_language: str = "id"
    log_level: str = "INFO"
    # Clinic operations
    office_hours: str = "mon-fri 08:00-16:00"
    consultant_signature: str = "name"
    ticket_sla_office_hours: float = Field(default=4.0, gt=0)
    ticket_sla_check_seconds: float = Field(default=300.0, gt=0)  # how often unclaimed tickets are checked
    # A manager's message within this many minutes of the consultant's last answer continues that
    # ticket's exchange; a choice ("add to ticket" / "new question") is remembered as long.
    ticket_live_minutes: float = Field(default=30.0, gt=0)
    # A manager's message within this many hours after the consultant pressed Selesai is offered
    # to reopen that ticket (or to be asked as a new question).
    ticket_reopen_hours: float = Field(default=48.0, ge=0)
    rate_limit: bool = True
    # Fair share (issue 16). A burst of relays for one ticket goes to a group as one combined
    # message per this many seconds (0: merge only what is already queued, no waiting).
    relay_burst_seconds: float = Field(default=10.0, ge=0)
    # Of a group's 20 messages a minute, this many are kept for live traffic (relays, replies):
    # bulk rows (broadcasts, reports, digests, reminder alerts) wait rather than use them.
    group_live_reserve: int = Field(default=5, ge=0, le=19)
    # The polite brake: more private messages than this in a minute earns one kind notice that
    # everything arrives (nothing is dropped) and the per-message acknowledgements pause.
    brake_messages_per_minute: int = Field(default=20, ge=1)
    # Guessing limits: this many wrong join codes block further tries for the block's minutes;
    # one user may register at most this many cooperatives. Refusals show in the status report.
    join_code_max_wrong: int = Field(default=5, ge=1)
    join_code_block_minutes: float = Field(default=60.0, gt=0)
    max_registrations_per_user: int = Field(default=3, ge=1)
    # Reminders and meetings: how often the reminder tick looks at the database (seconds), and,
    # for tests and demos only, the moment the reminder clock starts at (ISO with a UTC offset).
    reminder_tick_seconds: float = Field(default=60.0, gt=0)
    # A RAT or RALB scheduled with less notice than this many days gets a warning (members need
    # the invitation in time).
    meeting_notice_days: int = Field(default=7, ge=0, le=60)
    # A newly registered cooperative: its first "was the RAT held?" question waits for the next
    # morning, and staff hear of its overdue obligations only after this many days.
    first_question_next_morning: bool = True
    staff_alert_grace_days: int = Field(default=7, ge=0, le=90)
    # A reminder or check-up question waits while the manager is in the middle of a flow (a
    # registration, a consultation, a health check); a flow untouched this long counts as left.
    flow_quiet_minutes: int = Field(default=20, ge=1, le=24 * 60)
    clock_start: datetime | None = None
    # Operations (issue 15): where backups go, how many are kept, log lines for people or a collector.
    backup_dir: Path | None = None  # None: backups/ beside the database (data/backups by default)
    backup_keep_daily: int = Field(default=7, ge=1)
    backup_keep_weekly: int = Field(default=4, ge=0)
    log_format: str = "text"
    # Supervision (issue 14): how often (seconds) the monthly report, the weekly pendamping
    # digest and visit follow-up reminders are checked for being due.
    supervision_tick_seconds: float = Field(default=300.0, gt=0)
    # Webhook mode instead of long polling (issue 15): the public URL Telegram posts to, the
    # host:port the bot's webhook server binds, and the secret Telegram sends in a header.
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8443"
    webhook_secret: SecretStr | None = None

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        parts = urlsplit(v)
        if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
            return v
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"must be the public https:// URL Telegram posts to "
                             f"(plain http only for a loopback host, for tests), got {v!r}")
        return v

    @field_validator("webhook_listen")
    @classmethod
    def _webhook_listen(cls, v: str) -> str:
        host, sep, port = v.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"must be host:port, such as 0.0.0.0:8443, got {v!r}")
        return v.strip()

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None or not v.get_secret_value().strip():
            return None
        raw = v.get_secret_value().strip()
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", raw):
            raise ValueError("must be 1-256 characters A-Z, a-z, 0-9, _ or - (Telegram's rule for secret_token)")
        return SecretStr(raw)

    @property
    def webhook_bind(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url).path or "/" if self.webhook_url else "/"

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None or not v.get_secret_value().strip():
            return None
        raw = v.get_secret_value().strip()
        head, sep, tail = raw.partition(":")
        if not (sep and head.isdigit() and tail):
            raise ValueError("must look like 123456789:ABC... (the token from @BotFather)")
        return SecretStr(raw)

    @field_validator("staff_chat_id", mode="before")
    @classmethod
    def _staff_chat(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        text = str(v).strip()
        try:
            number = int(text)
        except ValueError:
            raise ValueError(f"must be the staff supergroup's numeric id such as -1001234567890, got {text!r}") from None
        if number >= 0:
            raise ValueError(f"must be a negative group id such as -1001234567890, got {number}")
        return number

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admins(cls, v: object) -> object:
        if v is None:
            return ()
        if isinstance(v, str):
            parts = [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
        else:
            parts = list(v)  # type: ignore[arg-type]
        ids = []
        for p in parts:
            try:
                ids.append(int(p))
            except (TypeError, ValueError):
                raise ValueError(f"must be comma-separated numeric Telegram user ids, got {p!r}") from None
            if ids[-1] <= 0:
                raise ValueError(f"user ids are positive numbers, got {p!r}")
        return tuple(ids)

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {v!r}")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Asia/Jakarta)") from None
        return v

    @field_validator("default_language")
    @classmethod
    def _lang(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}, got {v!r}")
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.strip().upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {v!r}")
        return v

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in {"text", "json"}:
            raise ValueError(f"must be text (one readable line per event) or json (one JSON object per line), got {v!r}")
        return v

    @field_validator("consultant_signature")
    @classmethod
    def _signature(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in {"name", "clinic"}:
            raise ValueError("must be 'name' (sign with the consultant's name) or 'clinic' (sign as Konsultan Klinik)")
        return v

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, v: str) -> str:
        from bot.core.office_hours import parse_spec  # local: keeps settings' import light

        try:
            parse_spec(v)
        except ValueError as exc:
            raise ValueError(f"must look like 'mon-fri 08:00-16:00' ({exc})") from None
        return v

    @field_validator("clock_start", mode="before")
    @classmethod
    def _clock_start(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        moment = v if isinstance(v, datetime) else None
        if moment is None:
            try:
                moment = datetime.fromisoformat(str(v).strip())
            except ValueError:
                raise ValueError(f"must be an ISO date-time such as 2026-03-24T07:55+07:00, got {v!r}") from None
        if moment.tzinfo is None:
            raise ValueError("needs a UTC offset, such as 2026-03-24T07:55+07:00")
        return moment

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _backup_dir(cls, v: object) -> object:
        return None if v is None or (isinstance(v, str) and not v.strip()) else v

    @property
    def backups(self) -> Path:
        """Where backups go: BACKUP_DIR, or the folder `backups` beside the database."""
        return self.backup_dir if self.backup_dir is not None else self.database_path.parent / "backups"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids

    def require_for_run(self) -> None:
        """`run` talks to the real Telegram: it needs what the offline commands can do without."""
        if self.bot_token is None:
            raise SettingsError("BOT_TOKEN: missing; get one from @BotFather and put it in .env")
        if self.staff_chat_id is None:
            raise SettingsError("STAFF_CHAT_ID: missing; the staff supergroup's id, such as -1001234567890")
        if self.webhook_url and self.webhook_secret is None:
            raise SettingsError("WEBHOOK_SECRET: required with WEBHOOK_URL; any 1-256 characters A-Z, a-z, 0-9, _ or -")
        if self.webhook_secret is not None and not self.webhook_url:
            raise SettingsError("WEBHOOK_SECRET: set without WEBHOOK_URL; set both for webhook mode, "
                                "neither for long polling")


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first.get("loc") else "SETTINGS"
    msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{name}: {msg}"


def load_settings(**overrides: object) -> Settings:
    """Build settings or raise SettingsError with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def exit_on_bad_settings(exc: SettingsError) -> "NoReturn":  # noqa: F821
    print(f"Configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2)
