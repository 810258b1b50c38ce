"""Measure the matcher on a labelled TSV (columns `question`, `accept`; empty accept = out of
scope): top-1/top-3 accuracy, how often out-of-scope questions get a confident answer, and
latency. Also the ablation table: each pipeline part switched off, and a raw-word BM25."""
from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .loader import Entry, load_entries
from .matcher import Matcher
from .normalize import Pipeline

ABLATIONS: dict[str, Pipeline] = {
    "full": Pipeline(),
    "no slang": Pipeline(slang=False),
    "no synonyms": Pipeline(synonyms=False),
    "no stemming": Pipeline(stemming=False),
    "no typos": Pipeline(typos=False),
    "no stopwords": Pipeline(stopwords=False),
    "baseline raw BM25": Pipeline(False, False, False, False, False, True),
}


# Matcher features switched off one at a time (issue 13), on the full pipeline.
FEATURES: dict[str, dict] = {
    "full": {},
    "no focus weighting": {"focus": False},
    "no char n-grams": {"char_weight": 0.0},
    "no answer field": {"fields": {"title": (2.0, 0.5), "synonyms": (1.0, 0.3),
                                   "examples": (1.5, 0.5), "answer": (0.0, 0.75)}},
    "char n-grams + answers": {"char_answer": True},
    "issue-3 matcher": {"focus": False, "char_weight": 0.0},
}


@dataclass(frozen=True)
class Case:
    question: str
    accept: frozenset[str]


@dataclass(frozen=True)
class Report:
    n_in: int
    n_out: int
    top1: float
    top3: float
    confident_in: float        # in-scope questions answered confidently
    confident_precision: float  # of the confident in-scope answers, share with a right top-1
    out_confident: float        # out-of-scope questions answered confidently (want ~0)
    p50_ms: float
    p99_ms: float
    misses: tuple[tuple[str, str, str], ...]  # (question, expected, got) for top-1 misses
    two_topics: int = 0          # questions offered two entries
    two_topics_right: int = 0    # ... where both offered entries are acceptable

    def line(self, name: str) -> str:
        return (f"{name:<20} top1 {self.top1:6.1%}  top3 {self.top3:6.1%}  "
                f"conf-in {self.confident_in:6.1%}  conf-prec {self.confident_precision:6.1%}  "
                f"oos-conf {self.out_confident:6.1%}  p50 {self.p50_ms:5.2f} ms  "
                f"p99 {self.p99_ms:5.2f} ms")


def read_cases(path: str | Path) -> list[Case]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Case(r["question"].strip(),
                     frozenset(a.strip() for a in (r.get("accept") or "").split(",") if a.strip()))
                for r in rows if (r.get("question") or "").strip()]


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def evaluate(matcher: Matcher, cases: Sequence[Case]) -> Report:
    hit1 = hit3 = conf_in = conf_right = conf_out = n_in = n_out = two = two_ok = 0
    times: list[float] = []
    misses = []
    for case in cases:
        start = time.perf_counter()
        result = matcher.ask(case.question, k=3)
        times.append((time.perf_counter() - start) * 1000)
        ids = [m.id for m in result.matches]
        if not case.accept:
            n_out += 1
            conf_out += result.confident
            continue
        n_in += 1
        right = bool(ids) and ids[0] in case.accept
        hit1 += right
        hit3 += any(i in case.accept for i in ids[:3])
        conf_in += result.confident
        conf_right += result.confident and right
        if result.two_topics:
            two += 1
            two_ok += len(case.accept) > 1 and set(ids[:2]) <= case.accept
        if not right:
            misses.append((case.question, ",".join(sorted(case.accept)), ids[0] if ids else "-"))
    return Report(
        n_in, n_out,
        top1=hit1 / n_in if n_in else 0.0,
        top3=hit3 / n_in if n_in else 0.0,
        confident_in=conf_in / n_in if n_in else 0.0,
        confident_precision=conf_right / conf_in if conf_in else 0.0,
        out_confident=conf_out / n_out if n_out else 0.0,
        p50_ms=percentile(times, 0.50), p99_ms=percentile(times, 0.99),
        misses=tuple(misses),
        two_topics=two, two_topics_right=two_ok,
    )


def feature_table(paths: Sequence[str], entries: Sequence[Entry] | None = None
                  ) -> dict[str, dict[str, Report]]:
    """config -> set -> report, for every feature switched off and the raw BM25 baseline."""
    entries = list(entries) if entries is not None else load_entries()
    sets = {Path(p).stem: read_cases(p) for p in paths}
    configs = {name: Matcher(entries, **kw) for name, kw in FEATURES.items()}
    configs["baseline raw BM25"] = Matcher(entries, ABLATIONS["baseline raw BM25"])
    return {name: {s: evaluate(m, cases) for s, cases in sets.items()}
            for name, m in configs.items()}


def ablation_table(cases: Sequence[Case], entries: Sequence[Entry] | None = None
                   ) -> dict[str, Report]:
    entries = list(entries) if entries is not None else load_entries()
    return {name: evaluate(Matcher(entries, pipeline), cases)
            for name, pipeline in ABLATIONS.items()}
