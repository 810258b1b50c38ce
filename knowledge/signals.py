"""Two reading aids for long questions, Telegram-free and database-free: where the question's
focus is (the asking sentence, not the story around it), and a second, independent signal next
to BM25F (character n-gram TF-IDF over normalised text), built from numpy only."""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from .normalize import normalize_text

# ---- question focus (issue 13) ----
# Real questions tell a story first and ask at the end: "Kami pengurus ... Tahun lalu ketua kami
# mundur ... Apakah kami wajib melapor ke Dinas?". When a question has several sentences and some
# of them ask (end in "?" or carry an interrogative word) while others only tell, the telling
# sentences' terms count at STORY_WEIGHT. A term in both counts fully.
STORY_WEIGHT = 0.5
INTERROGATIVES = frozenset({
    "apakah", "apa", "bagaimana", "gimana", "gmn", "gmna", "gmana", "bgmn", "bagaimanakah",
    "bolehkah", "bisakah", "dapatkah", "haruskah", "perlukah", "wajibkah", "adakah", "sahkah",
    "benarkah", "betulkah", "kapan", "kapankah", "berapa", "brp", "berapakah", "siapa", "siapakah",
    "dimana", "mana", "kemana", "mengapa", "kenapa", "knp", "napa", "gmn2", "how", "what", "when",
    "can", "should", "must", "is", "are", "do", "does", "who", "where", "why",
})
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
# ---- second signal: character n-gram TF-IDF over normalised text (numpy only) ----
# Word-internal 3-5 letter grams ("pengurus" -> " pe", "pen", "peng", ...) of the question-side
# fields; cosine with the question's grams, scaled to the BM25 range of the question and added
# with this weight. Catches spelling variants and word forms the stemmer and slang list miss.
CHAR_WEIGHT = 0.3
CHAR_SIZES = (3, 4, 5)
CHAR_MAX_GRAMS = 250

def split_sentences(text: str) -> list[str]:
    return [p.strip() for p in _SENTENCE.split(text) if p and p.strip()]


def is_asking(sentence: str) -> bool:
    if sentence.rstrip().endswith("?"):
        return True
    return any(w in INTERROGATIVES for w in normalize_text(sentence)[:12])


def focus_parts(question: str) -> list[tuple[str, float]]:
    """(sentence, weight) pairs: asking sentences 1.0, story sentences STORY_WEIGHT, when the
    question has both kinds; otherwise the whole question at 1.0."""
    parts = split_sentences(question)
    if len(parts) < 2:
        return [(question, 1.0)]
    asking = [is_asking(p) for p in parts]
    if all(asking) or not any(asking):
        return [(question, 1.0)]
    return [(p, 1.0 if a else STORY_WEIGHT) for p, a in zip(parts, asking)]


def char_grams(words: Iterable[str]) -> Counter:
    grams: Counter = Counter()
    for w in words:
        if len(w) < 2:
            continue
        padded = f" {w} "
        for n in CHAR_SIZES:
            if len(padded) < n:
                continue
            grams.update(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


class CharIndex:
    """Character n-gram TF-IDF postings (sublinear tf, smooth idf, L2-normalised rows) over one
    text per entry; `words` turns a text into the words whose grams count."""

    def __init__(self, texts: Sequence[str], words: Callable[[str], list[str]]) -> None:
        self.words = words
        self.n_docs = len(texts)
        docs = [char_grams(words(text)) for text in texts]
        n = max(len(docs), 1)
        df: Counter = Counter()
        for d in docs:
            df.update(d.keys())
        self.idf = {g: math.log((1 + n) / (1 + c)) + 1.0 for g, c in df.items()}
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, d in enumerate(docs):
            row = {g: (1.0 + math.log(c)) * self.idf[g] for g, c in d.items()}
            norm = math.sqrt(sum(v * v for v in row.values())) or 1.0
            for g, v in row.items():
                postings[g].append((i, v / norm))
        self.postings = {g: (np.fromiter((d for d, _ in p), np.int32, len(p)),
                             np.fromiter((v for _, v in p), np.float64, len(p)))
                         for g, p in postings.items()}

    def scores(self, parts: list[tuple[str, float]]) -> np.ndarray:
        """Cosine of the question's (focus-weighted) grams with every entry."""
        grams: Counter = Counter()
        for text, w in parts:
            for g, c in char_grams(self.words(text)).items():
                grams[g] += w * c
        scores = np.zeros(self.n_docs)
        q = {g: (1.0 + math.log(c) if c >= 1 else c) * self.idf[g] for g, c in grams.items() if g in self.idf}
        norm = math.sqrt(sum(v * v for v in q.values()))
        if not norm:
            return scores
        # Only the query's heaviest grams are scored: a long question has ~1,500 grams, and at
        # 10,000 entries the common ones have long posting lists; the light ones barely move
        # the cosine. (The norm above still counts them all.)
        for g, v in sorted(q.items(), key=lambda gv: -gv[1])[:CHAR_MAX_GRAMS]:
            docs, weights = self.postings[g]
            scores[docs] += (v / norm) * weights
        return scores
