"""Rank FAQ entries for a question: in-memory BM25F over normalised, stemmed terms.

Why our own BM25F and not SQLite FTS5 bm25(), measured with scripts/bench_kb.py --fts5 over the
same normalised terms: on the shipped base FTS5 took p99 0.49 ms vs 0.25 ms and reached top-1
87.5% vs 93.9% (FTS5 weights columns but cannot saturate evidence across fields like BM25F);
on 10,000 synthetic entries FTS5 took p99 75 ms, our index with numpy score arrays 9 ms. FTS5's
tokenisers know neither Indonesian stemming nor slang, so normalisation is ours either way.
No database, no Telegram: text in, ranked entry ids out.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .loader import Entry, load_entries
from .normalize import (FULL, NEGATED, Analyzer, Lexicon, Pipeline, dedouble, is_dictionary_word,
                        normalize_text, stem)
from .signals import CHAR_WEIGHT, CharIndex, focus_parts, is_asking, split_sentences

_TAG = re.compile(r"<[^>]+>")

# field -> (weight, length normalisation b). Tuned on tests/kb_eval.tsv (see cmd_eval).
FIELDS: dict[str, tuple[float, float]] = {
    "title": (2.0, 0.5),
    "synonyms": (1.0, 0.3),
    "examples": (1.5, 0.5),
    "answer": (0.4, 0.75),
}
# A high k1 lets repeated evidence (title + examples + synonyms) keep adding up; top-1 was flat
# at 93.5-94.3% for k1 1.6-3.0 and title weight 1.5-3 on tests/kb_eval.tsv, so we took the
# middle of that plateau rather than its edge.
K1 = 2.0
# Document frequency from the question side (title, synonyms, examples) where a term occurs
# there: answers mention "periksa", "RAT", "dinas" in passing, which made those words look
# common and let incidental words decide. Answer-only terms keep their full-text df.
IDF_QSIDE = True
# Adjacent term pairs ("rapat pengurus", "simpan wajib", "sita jamin") are indexed per line and
# count at this share of a word. On kb_eval + kb_dev together top-1 was flat for 0.3-0.6
# (and fell at 1.0), so we took the middle.
BIGRAM_WEIGHT = 0.5
# Fields written in chat style (with typos on purpose): typo-corrected like questions.
CHAT_FIELDS = frozenset({"examples", "synonyms"})

# ---- two topics ----
# When the second entry scores at least this share of the first and the question has two asking
# clauses or joins two asks with "dan", both are offered.
TWO_TOPIC_RATIO = 0.75


@dataclass(frozen=True)
class Calibration:
    """`confident` needs all three: the top score as a share of the best score the query's
    terms could reach, the share of query terms known from the FAQ questions, and the lead of
    the top entry over the second. Re-fitted on tests/kb_eval.tsv + kb_dev.tsv + kb_dev2.tsv
    together (kb_dev2: paraphrased, situation-told chat questions; 493 in-scope, 72
    out-of-scope). Paraphrases match words that sit only in the answers, which score low, so
    the old ratio gate of 0.5 left most of them unconfident; at 0.42 ~80% of in-scope
    questions are confident at ~99% precision (kb_dev2 alone: 68% at 98%). A lower ratio lets
    short generic out-of-scope questions through ("jam buka samsat bekasi", "cara ganti nama
    di ktp": ratio 0.44-0.47, one unknown word in three), which the coverage gate, now 0.7,
    stops; 2 of the 72 stay confident ("cara buka rekening bank online", "ngitung pesangon kalo
    di phk"). Ratio 0.40 would add ~1 point of in-scope but let "gaji dipotong perusahaan,
    lapor ke disnaker" through; a margin below 0.2 mostly adds wrong top-1s."""
    min_ratio: float = 0.42
    min_coverage: float = 0.7
    min_margin: float = 0.2


@dataclass(frozen=True)
class Match:
    id: str
    title: str
    score: float


@dataclass(frozen=True)
class Result:
    query: str
    confident: bool
    matches: list[Match]
    terms: tuple[str, ...] = ()
    signals: dict[str, float] = field(default_factory=dict)
    # Two different entries both score high and the question asks twice: offer both.
    two_topics: bool = False

    def as_dict(self) -> dict:
        return {"query": self.query, "confident": self.confident,
                "matches": [{"id": m.id, "title": m.title, "score": m.score}
                            for m in self.matches]}


def _fields(entry: Entry) -> dict[str, str]:
    return {
        "title": entry.title,
        "synonyms": "\n".join(entry.synonyms),
        "examples": "\n".join(entry.examples),
        "answer": _TAG.sub(" ", entry.answer_id),
    }


class Matcher:
    def __init__(self, entries: Sequence[Entry], pipeline: Pipeline = FULL,
                 calibration: Calibration | None = None,
                 fields: dict[str, tuple[float, float]] | None = None, k1: float = K1,
                 idf_qside: bool = IDF_QSIDE, bigram_weight: float = BIGRAM_WEIGHT,
                 focus: bool = True, char_weight: float = CHAR_WEIGHT,
                 char_answer: bool = False, two_topic_ratio: float = TWO_TOPIC_RATIO):
        self.pipeline = pipeline
        self.focus = focus and not pipeline.raw
        self.char_weight = 0.0 if pipeline.raw else char_weight
        self.char_answer = char_answer
        self.two_topic_ratio = two_topic_ratio
        self.idf_qside = idf_qside and not pipeline.raw
        self.bigram_weight = 0.0 if pipeline.raw else bigram_weight
        self.calibration = calibration or Calibration()
        self.analyzer = Analyzer(pipeline, None if pipeline.raw else Lexicon.load())
        self.ids = [e.id for e in entries]
        self.titles = [e.title for e in entries]
        self._fix_cache: dict[str, str | None] = {}
        self._build(entries, fields or FIELDS, k1)
        if self.char_weight:
            self._build_chars(entries)

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_entries(cls, entries: Iterable[Entry], *, slang: bool = True,
                     synonyms: bool = True, stemming: bool = True, typos: bool = True,
                     stopwords: bool = True, raw: bool = False, **kwargs) -> "Matcher":
        pipeline = Pipeline(slang=slang, synonyms=synonyms, stemming=stemming, typos=typos,
                            stopwords=stopwords, raw=raw)
        if raw:
            pipeline = Pipeline(False, False, False, False, False, True)
        return cls(list(entries), pipeline, **kwargs)

    @classmethod
    def load(cls, path=None, **flags) -> "Matcher":
        """The matcher over the shipped knowledge base (or the entries in ``path``)."""
        return cls.from_entries(load_entries(path), **flags)

    def _build(self, entries: Sequence[Entry], fields, k1: float) -> None:
        raw = self.pipeline.raw
        texts = [_fields(e) for e in entries]
        if raw:  # baseline: one field, plain BM25 over raw words
            fields = {"all": (1.0, 0.75)}
            texts = [{"all": "\n".join(t.values())} for t in texts]
        else:
            self._init_vocabulary(texts)
        use_typos = self.pipeline.typos and not raw
        per_doc: list[dict[str, Counter]] = []
        for doc in texts:
            per_doc.append({name: self._field_terms(
                text, self.correct if use_typos and name in CHAT_FIELDS else None)
                for name, text in doc.items()})
        n = max(len(per_doc), 1)
        avg = {f: (sum(sum(d[f].values()) for d in per_doc) / n) or 1.0 for f in fields}
        df: Counter = Counter()
        for d in per_doc:
            df.update(set().union(*(d[f].keys() for f in fields)))
        if self.idf_qside:
            qdf: Counter = Counter()
            for d in per_doc:
                qdf.update(set().union(*(d[f].keys() for f in fields if f != "answer")))
            df = Counter({t: qdf.get(t) or c for t, c in df.items()})
        self.n_docs = len(per_doc)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.idf_unknown = math.log(1 + (n + 0.5) / 0.5)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, d in enumerate(per_doc):
            tf: dict[str, float] = defaultdict(float)
            for f, (w, b) in fields.items():
                length = sum(d[f].values())
                norm = 1 - b + b * length / avg[f]
                for t, c in d[f].items():
                    tf[t] += w * c / norm
            for t, v in tf.items():
                postings[t].append((i, self.idf[t] * v / (k1 + v)))
        # term -> (doc indexes, precomputed BM25F contributions): a query adds a few arrays.
        self.postings = {t: (np.fromiter((d for d, _ in p), np.int32, len(p)),
                             np.fromiter((s for _, s in p), np.float64, len(p)))
                         for t, p in postings.items()}
        self.stem_vocab = frozenset(self.postings)
        # Domain vocabulary: terms of the question side (titles, examples, synonyms) and the
        # canonical synonym terms. Coverage of a query by it separates in- from out-of-scope.
        qside = [f for f in fields if f != "answer"]
        self.domain = {t for d in per_doc for f in qside for t in d[f]}
        if not raw:
            self.domain |= self.analyzer.lex.canonicals

    def _char_words(self, text: str) -> list[str]:
        stop = self.analyzer.lex.stopwords if self.analyzer.lex else frozenset()
        return [w for w in normalize_text(text) if w not in stop and not w.isdigit()]

    def _build_chars(self, entries: Sequence[Entry]) -> None:
        texts = []
        for e in entries:
            text = "\n".join((e.title, *e.synonyms, *e.examples))
            if self.char_answer:
                text += "\n" + _TAG.sub(" ", e.answer_id)
            texts.append(text)
        self.chars = CharIndex(texts, self._char_words)

    def char_scores(self, parts: list[tuple[str, float]]) -> np.ndarray:
        """Cosine of the question's (focus-weighted) grams with every entry."""
        return self.chars.scores(parts)

    def _field_terms(self, text: str, correct) -> Counter:
        """Terms of one field; with bigrams, each line's adjacent term pairs too."""
        if not self.bigram_weight:
            return Counter(self.analyzer.terms(text, correct))
        out: Counter = Counter()
        for line in text.split("\n"):
            terms = self.analyzer.terms(line, correct)
            out.update(terms)
            out.update(self._bigrams(terms))
        return out

    @staticmethod
    def _bigrams(terms: list[str]) -> list[str]:
        return [f"{a} {b}" for a, b in zip(terms, terms[1:]) if a != b]

    def _init_vocabulary(self, texts: list[dict[str, str]]) -> None:
        """Words a typo is corrected towards: the carefully written fields (titles, answers),
        the slang/synonym data and stop words. Examples and entry synonyms are chat-style and
        may hold typos on purpose, so they are corrected against this, like questions."""
        lex = self.analyzer.lex
        surface: Counter = Counter()
        clean_terms: set[str] = set(lex.canonicals)
        for doc in texts:
            for name, text in doc.items():
                if name not in CHAT_FIELDS:
                    surface.update(self.analyzer.words(text))
                    clean_terms.update(self.analyzer.terms(text))
        known = set(surface) | set(lex.slang) | lex.stopwords
        known |= {w for phrase in lex.phrases for w in phrase}
        known |= {w for words in lex.slang.values() for w in words}
        self.known_words = frozenset(known)
        self.stem_vocab = frozenset(clean_terms)
        by_len: dict[int, list[str]] = defaultdict(list)
        for word, _ in surface.most_common():  # most frequent first wins ties
            if len(word) >= 4 and word.isalpha():
                by_len[len(word)].append(word)
        for word in sorted(known - set(surface)):
            if len(word) >= 4 and word.isalpha():
                by_len[len(word)].append(word)
        self._by_len = dict(by_len)

    # ---- typo step ----------------------------------------------------------------------
    def correct(self, word: str) -> str | None:
        """The known word a misspelt ``word`` stands for, or None (known, or nothing close)."""
        if word in self._fix_cache:
            return self._fix_cache[word]
        fix = self._correct(word)
        if len(self._fix_cache) > 100_000:
            self._fix_cache.clear()
        self._fix_cache[word] = fix
        return fix

    def _correct(self, word: str) -> str | None:
        if word in self.known_words or not word.isalpha() or len(word) < 4:
            return None
        short = dedouble(word)
        if short != word and (short in self.known_words):
            return short
        if len(word) < 6 or stem(word) in self.stem_vocab or is_dictionary_word(word):
            return None
        max_d = 1 if len(word) <= 7 else 2
        best: tuple[int, str] | None = None
        for size in range(len(word) - max_d, len(word) + max_d + 1):
            bucket = self._by_len.get(size)
            if not bucket:
                continue
            hit = process.extractOne(word, bucket, scorer=OSA.distance, score_cutoff=max_d)
            if hit is not None and (best is None or hit[1] < best[0]):
                best = (hit[1], hit[0])
        return best[1] if best else None

    # ---- ranking ------------------------------------------------------------------------
    def analyze(self, question: str) -> list[str]:
        use_typos = self.pipeline.typos and not self.pipeline.raw
        return self.analyzer.terms(question, self.correct if use_typos else None)

    def query_terms(self, question: str) -> tuple[list[str], dict[str, float], dict[str, float],
                                                   list[tuple[str, float]]]:
        """All terms, term -> weight, bigram -> weight, and the focus parts of a question."""
        parts = focus_parts(question) if self.focus else [(question, 1.0)]
        terms: list[str] = []
        weights: dict[str, float] = {}
        bigrams: dict[str, float] = {}
        for text, w in parts:
            part_terms = self.analyze(text)
            terms += part_terms
            for t in part_terms:
                weights[t] = max(weights.get(t, 0.0), w)
            if self.bigram_weight:
                for b in self._bigrams(part_terms):
                    bigrams[b] = max(bigrams.get(b, 0.0), w)
        return terms, weights, bigrams, parts

    def ask(self, question: str, k: int = 5) -> Result:
        terms, weights, bigrams, parts = self.query_terms(question)
        hits = [(self.postings[t], w) for t, w in weights.items() if t in self.postings]
        hits += [(self.postings[b], w * self.bigram_weight)
                 for b, w in bigrams.items() if b in self.postings]
        ranked: list[tuple[int, float]] = []
        bm25 = np.zeros(self.n_docs)
        for (docs, contrib), w in hits:
            bm25[docs] += w * contrib      # a term occurs once per doc: no collisions
        scores = bm25
        plain = [t for t in weights if not t.startswith(NEGATED)]
        upper = self._upper(plain, weights)
        if self.char_weight and self.n_docs:
            scores = bm25 + self.char_weight * upper * self.char_scores(parts)
        if scores.any():
            want = min(max(k, 2), self.n_docs)
            top = np.argpartition(-scores, want - 1)[:want] if want < self.n_docs else \
                np.arange(self.n_docs)
            ranked = sorted(((int(i), float(scores[i])) for i in top if scores[i] > 0),
                            key=lambda x: (-x[1], x[0]))
        matches = [Match(self.ids[i], self.titles[i], round(s, 4)) for i, s in ranked[:k]]
        # A negated term ("tidak_bagi") repeats its word: it ranks, but does not count twice
        # (or as unknown) in the confidence signals.
        confident, signals = self._confidence(plain, weights, ranked, bm25, upper)
        return Result(question, confident, matches, tuple(terms), signals,
                      self._two_topics(question, parts, ranked))

    def _two_topics(self, question: str, parts, ranked) -> bool:
        if len(ranked) < 2 or ranked[0][1] <= 0:
            return False
        if ranked[1][1] < self.two_topic_ratio * ranked[0][1]:
            return False
        asking = [p for p, w in parts if w == 1.0 and is_asking(p)] if len(parts) > 1 else \
            [s for s in split_sentences(question) if is_asking(s)]
        joined = re.search(r"\b(dan|serta|sekaligus|juga)\s+(apakah|bagaimana|berapa|kapan|siapa|"
                           r"bolehkah|perlukah|haruskah|apa)\b", question.lower())
        return len(asking) >= 2 or joined is not None

    def _upper(self, unique: list[str], weights: dict[str, float]) -> float:
        scored = [t for t in unique if t in self.postings or not t.isdigit()]
        return sum(weights.get(t, 1.0) * self.idf.get(t, self.idf_unknown) for t in scored)

    def _confidence(self, unique: list[str], weights: dict[str, float],
                    ranked: list[tuple[int, float]], bm25: np.ndarray, upper: float):
        if not unique or not ranked:
            return False, {"ratio": 0.0, "coverage": 0.0, "margin": 0.0}
        # Numbers and place names say nothing about whether a question is in scope ("3 bulan",
        # "200 ribu", "koperasi di cikarang"). A number the index does not know cannot score,
        # so it does not lower the ratio either; coverage counts neither. Ratio and coverage
        # weigh each term by its focus weight: the story around a question counts less.
        places = self.analyzer.lex.places if self.analyzer.lex else frozenset()
        topical = [t for t in unique if not (t.isdigit() or t in places)]
        total = sum(weights.get(t, 1.0) for t in topical)
        known = sum(weights.get(t, 1.0) for t in topical if t in self.domain)
        top = ranked[0][1]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        signals = {
            "ratio": float(bm25[ranked[0][0]]) / upper if upper else 0.0,
            "coverage": known / total if total else 0.0,
            "margin": (top - second) / top if top else 0.0,
        }
        c = self.calibration
        ok = (signals["ratio"] >= c.min_ratio and signals["coverage"] >= c.min_coverage
              and signals["margin"] >= c.min_margin)
        return ok, signals
