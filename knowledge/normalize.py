"""Turn a chat-style Indonesian question (or FAQ text) into index terms.

Steps, each of which can be switched off for measurement (see ``Pipeline``):
1. ``normalize_text``: case, accents, punctuation, letter runs ("tolonggg"), reduplication
   ("anggota2", "anggota-anggota"), letter/digit boundaries ("sp2" -> "sp 2").
2. slang: informal words, abbreviations, Javanese/Sundanese -> standard (data/slang.tsv);
   then Jakarta colloquial morphology ("minjemin" -> pinjam, "ngajuin" -> aju, "nyetor" ->
   setor, "dibayarin" -> bayar) for words that are neither dictionary words nor known data.
3. typos: an unknown word is replaced by the nearest known word (a callback the matcher gives,
   because only the matcher knows the vocabulary).
4. synonyms: domain phrases -> one canonical term (data/synonyms.tsv), longest phrase first.
5. stop words are dropped (data/stopwords.txt).
6. stemming with PySastrawi (cached), then single-word synonyms once more on the stem.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_PHRASE = 5

_RUNS = re.compile(r"([a-z])\1{2,}")
_HYPHEN_REDUP = re.compile(r"\b([a-z]{2,})-\1\b")
_DIGIT_REDUP = re.compile(r"\b([a-z]{3,})2\b")
# "ngapa2in", "bagi2in": the reduplication mark sits before a -in/-an/-kan suffix.
_DIGIT_REDUP_SUFFIX = re.compile(r"\b([a-z]{3,})2(in|an|kan)\b")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Pipeline:
    """Which steps run. ``raw=True`` is the baseline: lower-cased words split on non-letters."""
    slang: bool = True
    synonyms: bool = True
    stemming: bool = True
    typos: bool = True
    stopwords: bool = True
    raw: bool = False


FULL = Pipeline()
RAW = Pipeline(slang=False, synonyms=False, stemming=False, typos=False, stopwords=False, raw=True)


def normalize_text(text: str) -> list[str]:
    """Lower-case word tokens with punctuation, letter runs and reduplication normalised."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("&", " dan ")
    text = _HYPHEN_REDUP.sub(r"\1", text)
    text = _RUNS.sub(r"\1", text)
    text = _DIGIT_REDUP_SUFFIX.sub(r"\1\2", text)
    text = _DIGIT_REDUP.sub(r"\1", text)
    text = _LETTER_DIGIT.sub(" ", text)
    return _NON_WORD.sub(" ", text).split()


def raw_tokens(text: str) -> list[str]:
    return _NON_WORD.sub(" ", text.lower()).split()


def dedouble(word: str) -> str:
    """'tolongg' -> 'tolong', 'gmnn' -> 'gmn': chat stretches a letter; try it once."""
    return re.sub(r"([a-z])\1", r"\1", word)


@lru_cache(maxsize=1)
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Sastrawi stem of one word (Sastrawi is slow, so every word is stemmed once)."""
    if not word.isalpha() or len(word) <= 3:
        return word
    return _stemmer().stem(word) or word


@lru_cache(maxsize=1)
def root_words() -> frozenset[str]:
    """Sastrawi's dictionary of Indonesian root words (a real word is not a typo)."""
    import Sastrawi
    path = Path(Sastrawi.__file__).parent / "Stemmer" / "data" / "kata-dasar.txt"
    return frozenset(w.strip() for w in path.read_text(encoding="utf-8").split())


def is_dictionary_word(word: str) -> bool:
    return word in root_words() or stem(word) in root_words()


def _data_lines(name: str) -> Iterable[str]:
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


# "shu tidak dibagi" is not "shu dibagi": with stop words dropped, a negation would vanish, so the
# next content word within reach also gives a negated term ("gk bisa dicairkan" -> "tidak_tarik
# tarik"). Keeping the plain word as well measured better than replacing it (kb_eval + kb_dev).
NEGATIONS = frozenset({"tidak", "belum"})
# ... except as a question tag right after a modal or a yes/no word: "boleh gk kopkar minjemin",
# "sah gk", "bisa ga dicairkan" ask "or not?" and negate nothing.
TAG_BEFORE = frozenset({"boleh", "bisa", "dapat", "harus", "perlu", "wajib", "sah", "ada", "sudah",
                        "apa", "apakah", "ingin", "kena", "benar", "betul", "wajar", "normal",
                        "mungkin", "aman", "legal", "cukup", "penting"})
NEGATION_REACH = 3
NEGATED = "tidak_"

_VOWELS = "aeiou"
_LAST_E = re.compile(r"e([^aeiou]*)$")


def _colloquial_bases(word: str) -> list[str]:
    """The word without a colloquial "-in" suffix (which stands for -kan/-i): 'bayarin' ->
    'bayar', 'nyelesain' -> 'nyelesai' (the -i of the base merges with -in)."""
    bases = []
    forms = [word]
    if word.endswith("nya") and len(word) >= 7:      # 'ngambilnya', 'bangkitinnya'
        forms.append(word[:-3])
    for form in forms:
        bases.append(form)
        if form.endswith("keun") and len(form) >= 8:     # Sundanese -keun = -kan
            bases.append(form[:-4])
        elif form.endswith("in") and len(form) >= 6:
            if form[-3] == "a":
                bases.append(form[:-1])
            bases.append(form[:-2])
    return bases


def _colloquial_roots(base: str) -> list[str]:
    """Root candidates for a base with a Jakarta nasal prefix, most likely first: nge-/ng-
    ('ngecek', 'ngurus', 'ngumpul' k-, 'ngitung' h-), ny- ('nyetor' s-, 'nyatet' c-),
    m- ('minjem' p-, 'motong' p-, 'mbayar'), n- ('nagih' t-), di- ('dibayar'), none."""
    out: list[str] = []
    if base.startswith("di") and len(base) >= 5:
        out.append(base[2:])
    if base.startswith("nge") and len(base) >= 6:
        out.append(base[3:])
    if base.startswith("nga") and len(base) >= 6 and base[3] not in _VOWELS:
        out.append(base[3:])                 # Sundanese nga-: 'ngabubarkeun' -> 'bubar'
    if base.startswith("ng") and len(base) > 2 and base[2] in _VOWELS:
        rest = base[2:]
        out += [rest, "k" + rest, "h" + rest]
    elif base.startswith("ny") and len(base) > 2 and base[2] in _VOWELS:
        rest = base[2:]
        out += ["s" + rest, "c" + rest]
    elif base.startswith("m") and len(base) > 1:
        rest = base[1:]
        out += ["p" + rest] if rest[0] in _VOWELS else ([rest] if rest[0] == "b" else [])
    elif base.startswith("n") and len(base) > 1 and base[1] in _VOWELS:
        out.append("t" + base[1:])
    out.append(base)
    if base[0] in _VOWELS:
        out.append("h" + base)               # 'idup' -> 'hidup', 'itung' -> 'hitung'
    return out


def colloquial_root(word: str, known: Callable[[str], bool]) -> str | None:
    """The standard word a Jakarta colloquial form stands for, or None. ``known`` says whether
    a candidate is a real word (a root-word list, the slang table). The caller only asks about
    words that are not dictionary words themselves, so 'mesin', 'ingin', 'main' stay as they
    are. A candidate may also have the colloquial -e- for -a- ('pinjem', 'catet')."""
    if len(word) < 5 or not word.isalpha():
        return None
    for base in _colloquial_bases(word):
        for cand in _colloquial_roots(base):
            if len(cand) < 3 or cand == word:
                continue
            for form in (cand, _LAST_E.sub(r"a\1", cand)):
                if known(form):
                    return form
    return None


@dataclass(frozen=True)
class Lexicon:
    slang: dict[str, tuple[str, ...]]
    phrases: dict[tuple[str, ...], str]      # synonym variant (surface tokens) -> canonical
    stem_synonyms: dict[str, str]           # stemmed single-word variant -> canonical
    canonicals: frozenset[str]
    stopwords: frozenset[str]
    verbatim: frozenset[str]                # slang lines "word<TAB>word": never stemmed
    phrase_starts: frozenset[str]           # first words of multi-word variants
    phrase_words: frozenset[str] = frozenset()  # every word of a synonym variant
    places: frozenset[str] = frozenset()        # place names (data/places.txt), kept verbatim
    _colloquial_cache: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "Lexicon":
        slang: dict[str, tuple[str, ...]] = {}
        for line in _data_lines("slang.tsv"):
            key, _, value = line.partition("\t")
            slang[key.strip().lower()] = tuple(normalize_text(value))
        places = frozenset(w for line in _data_lines("places.txt") for w in normalize_text(line))
        for place in places:
            slang.setdefault(place, (place,))
        stops = frozenset(w for line in _data_lines("stopwords.txt") for w in normalize_text(line))
        phrases: dict[tuple[str, ...], str] = {}
        stem_syn: dict[str, str] = {}
        canon: set[str] = set()
        for line in _data_lines("synonyms.tsv"):
            head, _, rest = line.partition("\t")
            head = head.strip().lower()
            canon.add(head)
            for variant in [head, *rest.split("|")]:
                words = tuple(w for t in normalize_text(variant) for w in slang.get(t, (t,)))
                if not words:
                    continue
                phrases.setdefault(words, head)
                if len(words) == 1 and stem(words[0]) == words[0] and words[0] not in stops:
                    stem_syn.setdefault(words[0], head)
        verbatim = frozenset(k for k, v in slang.items() if v == (k,))
        starts = frozenset(p[0] for p in phrases if len(p) > 1)
        pwords = frozenset(w for p in phrases for w in p)
        return cls(slang, phrases, stem_syn, frozenset(canon), stops, verbatim, starts, pwords,
                   places)

    def colloquial(self, word: str) -> str | None:
        """Standard form of a Jakarta colloquial word ('minjemin' -> 'pinjam'); None for words
        the data or the dictionary already know."""
        if word in self.slang or word in self.phrase_words or word in self.stopwords \
                or is_dictionary_word(word):
            return None
        cache = self._colloquial_cache
        if word not in cache:
            if len(cache) > 100_000:
                cache.clear()
            roots = root_words()
            cache[word] = colloquial_root(word, lambda w: w in roots or w in self.slang)
        return cache[word]


class Analyzer:
    """Text -> terms for one Pipeline. Pure apart from the (thread-safe) stem cache."""

    def __init__(self, pipeline: Pipeline = FULL, lexicon: Lexicon | None = None):
        self.pipeline = pipeline
        self.lex = lexicon or Lexicon.load()

    def words(self, text: str, correct: Callable[[str], str | None] | None = None) -> list[str]:
        """Tokens after normalisation, slang and typo correction (before synonyms/stemming)."""
        p, lex = self.pipeline, self.lex
        if p.raw:
            return raw_tokens(text)
        out: list[str] = []
        for tok in normalize_text(text):
            if p.slang and tok in lex.slang:
                out.extend(lex.slang[tok])
                continue
            if p.slang and tok.endswith("nya") and len(tok) >= 6:
                # "duitnya", "cicilannya", "tahunannya": a chat or phrase word with the
                # possessive suffix (stemming would only see it after slang and phrases ran).
                base = tok[:-3]
                if base in lex.slang:
                    out.extend(lex.slang[base])
                    continue
                if p.stemming and base in lex.phrase_words:
                    out.append(base)
                    continue
            if p.slang:
                root = lex.colloquial(tok)
                if root is not None:
                    out.extend(lex.slang.get(root, (root,)))
                    continue
            if correct is not None and p.typos:
                fixed = correct(tok)
                if fixed and fixed != tok:
                    out.extend(lex.slang.get(fixed, (fixed,)) if p.slang else (fixed,))
                    continue
            out.append(tok)
        return out

    def terms(self, text: str, correct: Callable[[str], str | None] | None = None) -> list[str]:
        p, lex = self.pipeline, self.lex
        words = self.words(text, correct)
        if p.raw:
            return words
        terms: list[str] = []
        negate = 0          # words left in which a "tidak"/"belum" still applies
        i, n = 0, len(words)
        while i < n:
            canon = None
            if p.synonyms:
                longest = min(MAX_PHRASE, n - i) if words[i] in lex.phrase_starts else 1
                for size in range(longest, 0, -1):
                    canon = lex.phrases.get(tuple(words[i:i + size]))
                    if canon is not None:
                        i += size
                        break
            if canon is not None:
                word = canon
            else:
                word = words[i]
                i += 1
                if p.stopwords and word in lex.stopwords:
                    if word in NEGATIONS:
                        tag = i >= 2 and words[i - 2] in TAG_BEFORE
                        negate = 0 if tag else NEGATION_REACH
                    elif negate:
                        negate -= 1
                    continue
                if p.stemming and word not in lex.verbatim:
                    root = stem(word)
                    if p.synonyms and root in lex.stem_synonyms:
                        root = lex.stem_synonyms[root]
                    elif p.stopwords and root in lex.stopwords:
                        continue
                    word = root
            if negate:
                terms.append(NEGATED + word)
                negate = 0
            terms.append(word)
        return terms
