"""Pure command functions for `python -m bot kb ...` and `python -m knowledge ...`.

Each prints to stdout and returns a process exit code.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .evaluate import ablation_table, evaluate, feature_table, read_cases
from .loader import check_knowledge_base, load_entries
from .matcher import Matcher


def cmd_check(path: str | None = None) -> int:
    """Print every problem in the knowledge base; exit code 1 when there is any."""
    problems = check_knowledge_base(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"knowledge base OK: {len(load_entries(path))} entries")
    return 0


def cmd_ask(question: str, k: int = 5, as_json: bool = False) -> int:
    """Rank the entries for one question; --json prints {query, confident, matches}."""
    result = Matcher.load().ask(question, k=k)
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return 0
    print(f"query: {result.query}")
    print(f"terms: {' '.join(result.terms) or '-'}")
    signals = "  ".join(f"{k}={v:.2f}" for k, v in result.signals.items())
    print(f"confident: {'yes' if result.confident else 'no'}   {signals}")
    for rank, m in enumerate(result.matches, 1):
        print(f"{rank}. {m.score:7.3f}  {m.id}  {m.title}")
    return 0


def cmd_eval(tsv_path: str, ablations: bool = False, show_misses: bool = True) -> int:
    """Top-1/top-3 accuracy, out-of-scope confident rate and latency on a labelled TSV."""
    if not Path(tsv_path).exists():
        print(f"{tsv_path}: no such file", file=sys.stderr)
        return 1
    cases = read_cases(tsv_path)
    entries = load_entries()
    report = evaluate(Matcher(entries), cases)
    print(f"{len(entries)} entries; {report.n_in} in-scope and {report.n_out} out-of-scope "
          f"questions from {tsv_path}")
    print(report.line("full"))
    if show_misses and report.misses:
        print("top-1 misses (question | expected | got):")
        for question, expected, got in report.misses:
            print(f"  {question} | {expected} | {got}")
    if ablations:
        print("\nablations (one part switched off) and baseline:")
        for name, rep in ablation_table(cases, entries).items():
            print(rep.line(name))
    return 0


def cmd_features(paths: list[str], confidence: bool = False) -> int:
    """Top-1 / top-3 (and confident-in / oos-confident) per set, each matcher feature off."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"{', '.join(missing)}: no such file", file=sys.stderr)
        return 1
    table = feature_table(paths)
    names = [Path(p).stem for p in paths]
    print(f"{'config':<24}" + "".join(f"{n:>18}" for n in names))
    for config, reports in table.items():
        cells = []
        for n in names:
            r = reports[n]
            cell = f"{r.top1:.1%}/{r.top3:.1%}"
            if confidence:
                cell = f"{r.confident_in:.0%}c {r.confident_precision:.0%}p {r.out_confident:.0%}o"
            cells.append(f"{cell:>18}")
        print(f"{config:<24}" + "".join(cells))
    return 0
