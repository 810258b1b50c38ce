"""WEBHOOK_URL / WEBHOOK_LISTEN / WEBHOOK_SECRET (issue 15): a bad value or a bad combination
stops start-up with one line naming the variable, exit status 2."""
import os
import subprocess
import sys

import pytest

from bot.core.settings import SettingsError, load_settings

pytestmark = pytest.mark.unit
BASE = dict(_env_file=None, bot_token="123:abc", staff_chat_id=-100123)


@pytest.mark.parametrize("url", ["https://klinik.example.go.id/tg/hook", "http://127.0.0.1:8443/hook",
                                 "http://localhost:9000/x"])
def test_webhook_url_https_or_loopback_http(url):
    s = load_settings(**BASE, webhook_url=url, webhook_secret="abc_DEF-123")
    s.require_for_run()
    assert s.webhook_url == url and s.webhook_path == "/" + url.split("/", 3)[3]


@pytest.mark.parametrize("overrides,fragment", [
    (dict(webhook_url="http://klinik.example.go.id/hook", webhook_secret="s"), "WEBHOOK_URL: must be the public https"),
    (dict(webhook_url="ftp://x/y", webhook_secret="s"), "WEBHOOK_URL: must be the public https"),
    (dict(webhook_listen="8443"), "WEBHOOK_LISTEN: must be host:port"),
    (dict(webhook_listen="0.0.0.0:99999"), "WEBHOOK_LISTEN: must be host:port"),
    (dict(webhook_secret="has space"), "WEBHOOK_SECRET: must be 1-256 characters"),
])
def test_bad_webhook_values_name_the_variable(overrides, fragment):
    with pytest.raises(SettingsError) as err:
        load_settings(**BASE, **overrides)
    assert str(err.value).startswith(fragment)


def test_webhook_url_needs_a_secret_and_a_secret_needs_the_url():
    with pytest.raises(SettingsError, match="^WEBHOOK_SECRET: required with WEBHOOK_URL"):
        load_settings(**BASE, webhook_url="https://klinik.example.go.id/hook").require_for_run()
    with pytest.raises(SettingsError, match="^WEBHOOK_SECRET: set without WEBHOOK_URL"):
        load_settings(**BASE, webhook_secret="abc").require_for_run()


def test_listen_default_and_parsing():
    s = load_settings(**BASE)
    assert s.webhook_url is None and s.webhook_bind == ("0.0.0.0", 8443)
    assert load_settings(**BASE, webhook_listen="[::1]:9000").webhook_bind == ("::1", 9000)


def test_cli_webhook_without_secret_one_line_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBHOOK_")}
    env.update(STAFF_CHAT_ID="-100123", BOT_TOKEN="123:abc", DATABASE_PATH=str(tmp_path / "x.sqlite3"),
               WEBHOOK_URL="https://klinik.example.go.id/hook")
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error: WEBHOOK_SECRET") and "Traceback" not in proc.stderr
