import os
import subprocess
import sys

import pytest

from bot.core.settings import SettingsError, load_settings

pytestmark = pytest.mark.unit


def test_defaults_match_the_documented_names(monkeypatch):
    for name in ("BOT_TOKEN", "STAFF_CHAT_ID", "ADMIN_IDS", "DATABASE_PATH", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    s = load_settings(_env_file=None)
    assert str(s.database_path) == "data/klinik.sqlite3"
    assert s.telegram_api_url == "https://api.telegram.org"
    assert s.timezone == "Asia/Jakarta" and s.default_language == "id"


def test_admin_ids_from_environment(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "11, 22,33")
    assert load_settings(_env_file=None).admin_ids == (11, 22, 33)


@pytest.mark.parametrize("name,value,fragment", [
    ("STAFF_CHAT_ID", "abc", "STAFF_CHAT_ID: must be the staff supergroup's numeric id"),
    ("STAFF_CHAT_ID", "12345", "STAFF_CHAT_ID: must be a negative group id"),
    ("ADMIN_IDS", "1,x", "ADMIN_IDS: must be comma-separated"),
    ("TIMEZONE", "Mars/Olympus", "TIMEZONE: unknown time zone"),
    ("BOT_TOKEN", "not-a-token", "BOT_TOKEN: must look like"),
    ("TELEGRAM_API_URL", "ftp://x", "TELEGRAM_API_URL: must start with http"),
    ("DEFAULT_LANGUAGE", "fr", "DEFAULT_LANGUAGE: must be one of"),
    ("OFFICE_HOURS", "sometimes", "OFFICE_HOURS: must look like"),
])
def test_bad_setting_names_the_variable(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None)
    assert str(err.value).startswith(fragment)


def test_run_needs_token_and_staff_chat(monkeypatch):
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    s = load_settings(_env_file=None)
    with pytest.raises(SettingsError, match="BOT_TOKEN: missing"):
        s.require_for_run()


def test_cli_bad_staff_chat_id_one_line_exit_2(tmp_path):
    env = {**os.environ, "STAFF_CHAT_ID": "oops", "BOT_TOKEN": "123:abc",
           "DATABASE_PATH": str(tmp_path / "x.sqlite3")}
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "STAFF_CHAT_ID" in lines[0] and "Traceback" not in proc.stderr


def test_cli_migrate_works_offline_without_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["DATABASE_PATH"] = str(tmp_path / "m.sqlite3")
    proc = subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "schema version" in proc.stdout


def test_every_setting_is_documented_in_env_example():
    import re
    from pathlib import Path

    from bot.core.settings import Settings
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    undocumented = [name.upper() for name in Settings.model_fields
                    if not re.search(rf"^{name.upper()}=", example, re.M)]
    assert undocumented == []
