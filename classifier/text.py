"""Text to features for the request classifier, identical at training and serving time.

A request is normalised (NFKC, case folding, traditional to simplified characters), cut into
clauses at punctuation and connectives, and each clause yields character 1–3-grams and jieba
words (rjieba). Clauses that talk about a possibility, a worry or the past ("万一", "担心",
"以前出过") or deny something ("没有煤气味") are *marked*: their tokens keep a prefix for the
urgency model, so "万一起火" and "起火了" are different evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import rjieba

MAX_CHARS = 600  # longer texts are cut: the problem is stated at the start, and cost stays bounded
MARK = "~"

_CLAUSE_SPLIT = re.compile(r"[，,。．.！!？?；;：:、\n\r\t（）()【】\[\]“”\"‘’'…—~～]+")
# A second problem usually starts with one of these; they also end the scope of a marker.
SECOND_PROBLEM = re.compile(
    r"(?:还有|另外|此外|另咨询|另反映|再就是|再一个|再一件|再说|对了|顺便|同时|以及|并且|另有|其次|第二)"
)
HYPOTHETICAL = (
    "万一",
    "如果",
    "要是",
    "假如",
    "假设",
    "一旦",
    "担心",
    "担忧",
    "害怕",
    "怕",
    "生怕",
    "恐怕",
    "容易",
    "可能会",
    "会不会",
    "隐患",
    "以防",
    "预防",
    "防止",
    "提醒",
)
HISTORY = ("以前", "之前", "曾经", "去年", "前年", "上次", "上回", "那次", "过去", "当年", "早些年", "出过", "发生过")
NEGATION = ("没闻到", "没发现", "不是", "并非", "并没有", "未发现", "已经修好", "已修好", "已处理好")
_MARKERS = HYPOTHETICAL + HISTORY + NEGATION
_MARKER = re.compile("|".join(sorted(map(re.escape, _MARKERS), key=len, reverse=True)))


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[int, str]:
    """OpenCC's one-to-one character table (empty without the package)."""
    try:
        from importlib.resources import files

        text = (files("opencc") / "dictionary" / "TSCharacters.txt").read_text(encoding="utf-8")
    except (ImportError, FileNotFoundError, ModuleNotFoundError, OSError):
        return {}
    table: dict[int, str] = {}
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        first = targets.split()[0] if targets.split() else ""
        if len(source) == 1 and len(first) == 1 and source != first:
            table[ord(source)] = first
    return table


def normalize(text: str) -> str:
    """The classifier's form of ``text``: NFKC, case-folded, simplified, spaces collapsed, bounded length."""
    text = unicodedata.normalize("NFKC", str(text or ""))[: MAX_CHARS * 2].casefold()
    text = text.translate(_traditional_to_simplified())
    return re.sub(r"\s+", " ", text).strip()[:MAX_CHARS]


@dataclass(frozen=True, slots=True)
class Clause:
    text: str
    marked: bool  # hypothetical, historical or negated
    start: int  # offset in the normalised text


def clauses(norm: str) -> list[Clause]:
    """Clauses of a normalised text; a marker covers its clause from where it appears to the clause's end."""
    out: list[Clause] = []
    position = 0
    for piece in _CLAUSE_SPLIT.split(norm):
        start = norm.find(piece, position) if piece else position
        position = start + len(piece)
        piece = piece.strip()
        if not piece:
            continue
        cut = _first_marker(piece)
        if cut is None:
            out.append(Clause(piece, False, start))
        else:
            if cut > 0:
                out.append(Clause(piece[:cut], False, start))
            out.append(Clause(piece[cut:], True, start + cut))
    return out


def _first_marker(clause: str) -> int | None:
    found = _MARKER.search(clause)
    return found.start() if found else None


def _char_ngrams(clause: str) -> Iterator[str]:
    chars = clause.replace(" ", "")
    n = len(chars)
    for i in range(n):
        yield chars[i]
        if i + 1 < n:
            yield chars[i : i + 2]
        if i + 2 < n:
            yield chars[i : i + 3]


def _words(clause: str) -> Iterator[str]:
    for word in rjieba.cut(clause):
        word = word.strip()
        if len(word) >= 2:
            yield "w:" + word


def clause_tokens(parts: list[Clause]) -> list[tuple[bool, list[str]]]:
    """Per clause: whether it is marked, and its character n-grams and words (computed once)."""
    return [(c.marked, [*_char_ngrams(c.text), *_words(c.text)]) for c in parts]


def tokens(norm: str) -> list[str]:
    """Category features: character n-grams and words of every clause."""
    out: list[str] = []
    for clause in clauses(norm):
        out.extend(_char_ngrams(clause.text))
        out.extend(_words(clause.text))
    return out


def urgency_tokens(norm: str) -> list[str]:
    """Urgency features: as ``tokens`` but marked clauses' tokens carry the ``~`` prefix."""
    out: list[str] = []
    for clause in clauses(norm):
        prefix = MARK if clause.marked else ""
        out.extend(prefix + t for t in _char_ngrams(clause.text))
        out.extend(prefix + t for t in _words(clause.text))
    return out


def segments(norm: str) -> list[str]:
    """The text cut where a second problem is introduced ("还有", "另外", "再就是" …)."""
    if not SECOND_PROBLEM.search(norm):
        return [norm] if len(norm) >= 4 else []
    parts = [p.strip("，,。；; ") for p in SECOND_PROBLEM.split(norm)]
    return [p for p in parts if len(p) >= 4]
