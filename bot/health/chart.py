"""The health-check picture: each aspect's score against its maximum, as a small PNG."""
from __future__ import annotations

import io
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # headless: must precede the pyplot import
import matplotlib.pyplot as plt  # noqa: E402

from bot.core.texts import Texts  # noqa: E402
from bot.health.scoring import Band, HealthResult  # noqa: E402

__all__ = ["render_chart"]

_BAND_COLOURS = {
    Band.SEHAT: "#2e7d32",
    Band.CUKUP_SEHAT: "#9e9d24",
    Band.DALAM_PENGAWASAN: "#ef6c00",
    Band.DALAM_PENGAWASAN_KHUSUS: "#c62828",
}
def render_chart(result: HealthResult, texts: Texts, lang: str = "id") -> bytes:
    """Horizontal bars of each aspect's score (coloured by the band) over its maximum; every word
    and number on it comes from the templates (`health.chart_*`) and the formatting filters."""
    text = {name: texts.plain(lang, f"health.chart_{name}") for name in ("max", "score", "partial", "none", "axis")}

    def number(value: Decimal) -> str:
        return texts.format(lang, "decimal", value, 2, trim=True)

    aspects = list(reversed(result.aspects))  # first aspect on top
    names = [str(texts.format(lang, "local", a, "name")) for a in aspects]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=90)
    try:
        ax.barh(names, [float(a.max) for a in aspects], color="#e0e0e0", label=text["max"])
        ax.barh(names, [float(a.score) for a in aspects], color=_BAND_COLOURS[result.band],
                label=text["score"])
        if any(not a.complete for a in aspects):
            ax.barh(names, [float(a.max - a.scored_max) for a in aspects],
                    left=[float(a.scored_max) for a in aspects], color="white",
                    edgecolor="#9e9e9e", hatch="///", linewidth=0, label=text["none"])
        for y, a in enumerate(aspects):
            note = f"{number(a.score)} / {number(a.max)}"
            if a.scored_max == 0:
                note += f" ({text['none']})"
            elif not a.complete:
                note += f" ({text['partial']})"
            ax.text(float(a.max) + 0.4, y, note, va="center", fontsize=8)
        ax.set_xlim(0, float(max(a.max for a in aspects)) * 1.6)
        ax.set_xlabel(text["axis"], fontsize=8)
        ax.tick_params(labelsize=8)
        ax.set_title(texts.plain(lang, "health.chart_title", total=result.total, band=result.band.value),
                     fontsize=10)
        ax.legend(loc="lower right", fontsize=7, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)
