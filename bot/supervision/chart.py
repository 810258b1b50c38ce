"""The report in one picture for the chat: checks by band, RAT status, and the kecamatan with
most cooperatives at risk. Words come from the caller (templates), colours from the health chart."""
from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")  # headless: must precede the pyplot import
import matplotlib.pyplot as plt  # noqa: E402

from bot.supervision.report import BANDS, RAT_STATUSES, ReportData  # noqa: E402

BAND_COLOURS = ("#2e7d32", "#9e9d24", "#ef6c00", "#c62828")
RAT_COLOURS = ("#2e7d32", "#90a4ae", "#ef6c00", "#c62828")


def render_summary(data: ReportData, label: Callable[..., str]) -> bytes:
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), dpi=90)
    try:
        ax = axes[0]
        names = [label(f"band_{b}") for b in BANDS]
        fin = [data.bands["financial"][b] for b in BANDS]
        gov = [data.bands["governance"][b] for b in BANDS]
        xs = range(len(BANDS))
        ax.bar([x - 0.2 for x in xs], fin, width=0.4, color=BAND_COLOURS, label=label("col_checks_financial"))
        ax.bar([x + 0.2 for x in xs], gov, width=0.4, color=BAND_COLOURS, alpha=0.5, hatch="//",
               label=label("col_checks_governance"))
        ax.set_xticks(list(xs), [n.replace(" ", "\n") for n in names], fontsize=7)
        ax.set_title(label("chart_bands"), fontsize=9)
        ax.legend(fontsize=7, frameon=False)

        ax = axes[1]
        shown = [(s, data.rat[s], colour) for s, colour in zip(RAT_STATUSES, RAT_COLOURS) if data.rat[s]]
        if shown:
            ax.pie([c for _, c, _ in shown], labels=[f"{label(f'rat_{s}')} ({c})" for s, c, _ in shown],
                   colors=[colour for *_, colour in shown], textprops={"fontsize": 7}, startangle=90,
                   labeldistance=1.12)
        else:
            ax.text(0.5, 0.5, label("none"), ha="center", va="center")
            ax.axis("off")
        ax.set_title(label("chart_rat"), fontsize=9)

        ax = axes[2]
        top = sorted((k for k in data.kecamatan if k["cooperatives"]), key=lambda k: (-k["at_risk"], k["kecamatan"]))[:10]
        top.reverse()
        ax.barh([k["kecamatan"] for k in top], [k["cooperatives"] for k in top], color="#cfd8dc",
                label=label("col_cooperatives"))
        ax.barh([k["kecamatan"] for k in top], [k["at_risk"] for k in top], color="#c62828", label=label("col_at_risk"))
        ax.tick_params(labelsize=7)
        ax.set_title(label("chart_kecamatan"), fontsize=9)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        for a in axes:
            for side in ("top", "right"):
                a.spines[side].set_visible(False)
        fig.suptitle(label("title", period=data.period), fontsize=11)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)
