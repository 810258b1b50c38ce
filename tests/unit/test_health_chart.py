"""The health-check picture (bot.health.chart)."""
import matplotlib.pyplot as plt
import pytest

from bot.core.texts import Texts
from bot.health.scoring import HEALTH_STEPS, score
from bot.health.chart import render_chart
from bot.health.money import parse_money

pytestmark = pytest.mark.unit
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# The steps' own examples describe one plausible cooperative (worked example A).
TEXTS = Texts()
EXAMPLE = {s.id: (s.example == "Ya") if s.kind == "yesno" else parse_money(s.example)
           for s in HEALTH_STEPS}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_chart_is_a_small_png(lang):
    png = render_chart(score(EXAMPLE), TEXTS, lang=lang)
    assert png.startswith(PNG_MAGIC)
    assert 5_000 < len(png) < 100_000


def test_partial_and_empty_results_render_and_leave_no_open_figures():
    before = len(plt.get_fignums())
    for result in (score({**EXAMPLE, "kas_bank": None}), score({})):
        assert render_chart(result, TEXTS).startswith(PNG_MAGIC)
    assert len(plt.get_fignums()) == before


def test_languages_and_results_draw_different_pictures():
    result = score(EXAMPLE)
    assert render_chart(result, TEXTS, "id") != render_chart(result, TEXTS, "en")
    assert render_chart(result, TEXTS) != render_chart(score({**EXAMPLE, "mgmt_umum": False}), TEXTS)
