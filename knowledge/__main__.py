"""`python -m knowledge check | ask QUESTION [-k N] [--json] | eval TSV [--ablations]`."""
from __future__ import annotations

import argparse

from .cli import cmd_ask, cmd_check, cmd_eval, cmd_features


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge",
                                     description="Klinik Koperasi FAQ knowledge base tools")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="check every entry file; exit 1 on problems")
    ask = sub.add_parser("ask", help="rank the FAQ entries for a question")
    ask.add_argument("question", nargs="+")
    ask.add_argument("-k", type=int, default=5, help="number of matches (default 5)")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ev = sub.add_parser("eval", help="accuracy and latency on a labelled TSV")
    ev.add_argument("tsv", nargs="?", default="tests/kb_eval.tsv")
    ev.add_argument("--ablations", action="store_true",
                    help="also each pipeline part switched off, and a raw-word BM25 baseline")
    fe = sub.add_parser("features", help="top-1/top-3 per set with each matcher feature off")
    fe.add_argument("tsv", nargs="+")
    fe.add_argument("--confidence", action="store_true", help="show confidence columns instead")
    args = parser.parse_args(argv)
    if args.command == "features":
        return cmd_features(args.tsv, args.confidence)
    if args.command == "check":
        return cmd_check()
    if args.command == "ask":
        return cmd_ask(" ".join(args.question), args.k, args.json)
    return cmd_eval(args.tsv, args.ablations)


if __name__ == "__main__":
    raise SystemExit(main())
