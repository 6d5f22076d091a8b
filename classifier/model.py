"""The serving side of the request classifier: plain arrays in, a ``Reading`` out, no scikit-learn.

An artefact is one ``.npz`` file (loaded with ``allow_pickle=False``, so loading it never runs
code) holding the vocabularies, inverse document frequencies, coefficients and a JSON header
with classes and calibration. Inference is a sparse dot product: the handful of features a text
has select rows of the coefficient matrix, which costs microseconds instead of the pipeline's
milliseconds.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from classifier.text import MARK, Clause, clause_tokens, clauses, normalize, segments, tokens

FORMAT = "request-classifier/1"
NO_CATEGORY = "none"  # the class of requests no category fits (praise, other districts' matters …)


class ArtefactError(ValueError):
    """The bytes are not a classifier artefact this code can read."""


@dataclass(frozen=True)
class Reading:
    """What the classifier reads in one text; scores are raw so that callers can add evidence."""

    classes: tuple[str, ...]
    scores: np.ndarray  # raw category scores, one per class
    urgent_probability: float
    urgent_cues: tuple[str, ...]
    segments: tuple[np.ndarray, ...]  # raw scores of each later segment ("还有……", "另外……")
    norm: str
    features: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32))
    clauses: tuple[Clause, ...] = ()

    def probabilities(self, boost: Mapping[str, float] | None = None, temperature: float = 1.0) -> np.ndarray:
        scores = self.scores.copy()
        for code, value in (boost or {}).items():
            index = _index_of(self.classes, code)
            if index is not None:
                scores[index] += value
        return softmax(scores * temperature)


def _index_of(classes: Sequence[str], code: str) -> int | None:
    try:
        return classes.index(code)
    except ValueError:
        return None


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


class _Linear:
    """A TF-IDF vocabulary plus a linear layer (one column per class, or a single column)."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> None:
        self.index = {term: i for i, term in enumerate(vocabulary)}
        self.vocabulary = tuple(vocabulary)
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)

    def vector(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Feature indexes and their sublinear-tf × idf weights, L2-normalised."""
        index = self.index
        counts: dict[int, int] = {}
        for term, count in Counter(terms).items():
            i = index.get(term)
            if i is not None:
                counts[i] = count
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
        weights = tf * self.idf[idx]
        norm = float(np.sqrt(np.dot(weights, weights)))
        return idx, weights / norm if norm else weights

    def scores(self, idx: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if not len(idx):
            return self.intercept.copy()
        return self.intercept + weights @ self.coef[idx]

    def contributions(
        self, idx: np.ndarray, weights: np.ndarray, column: int, top: int = 16
    ) -> list[tuple[str, float]]:
        """The ``top`` features that raised ``column`` the most, largest first."""
        values = weights * self.coef[idx, column]
        if len(values) > top:
            keep = np.argpartition(-values, top)[:top]
            order = keep[np.argsort(-values[keep])]
        else:
            order = np.argsort(-values)
        vocabulary = self.vocabulary
        return [(vocabulary[i], v) for i, v in zip(idx[order].tolist(), values[order].tolist(), strict=True) if v > 0]


class TextModel:
    """A loaded artefact: category scores, urgency probability with cues, and second problems."""

    def __init__(self, data: bytes) -> None:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
                header = json.loads(bytes(arrays.pop("header")).decode("utf-8"))
                if header.get("format") != FORMAT:
                    raise ArtefactError(f"未知的模型格式：{header.get('format')!r}")
                self.category = _Linear(
                    header["category_vocabulary"], arrays["cat_idf"], arrays["cat_coef"], arrays["cat_intercept"]
                )
                self.urgency = _Linear(
                    header["urgency_vocabulary"], arrays["urg_idf"], arrays["urg_coef"], arrays["urg_intercept"]
                )
        except (KeyError, OSError, ValueError) as exc:
            if isinstance(exc, ArtefactError):
                raise
            raise ArtefactError(f"模型文件无法读取：{exc}") from exc
        self.sha256 = content_hash(header, arrays)
        self.classes: tuple[str, ...] = tuple(header["classes"])
        self.temperature = float(header["temperature"])
        self.urgency_slope = float(header["urgency_slope"])
        self.urgency_offset = float(header["urgency_offset"])
        self.urgency_threshold = float(header["urgency_threshold"])
        self.secondary_threshold = float(header["secondary_threshold"])
        self.header = {k: v for k, v in header.items() if not k.endswith("_vocabulary")}

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    def read(self, text: str) -> Reading:
        norm = normalize(text)
        parts_ = clauses(norm)
        per_clause = clause_tokens(parts_)
        idx, weights = self.category.vector([t for _, toks in per_clause for t in toks])
        scores = self.category.scores(idx, weights)
        u_terms = [MARK + t if marked else t for marked, toks in per_clause for t in toks]
        u_idx, u_weights = self.urgency.vector(u_terms)
        u_score = float(self.urgency.scores(u_idx, u_weights)[0])
        probability = 1.0 / (1.0 + math.exp(-(self.urgency_slope * u_score + self.urgency_offset)))
        cues = _readable(self.urgency.contributions(u_idx, u_weights, 0), limit=4, skip_marked=True)
        parts = segments(norm)
        later = (
            tuple(self.category.scores(*self.category.vector(tokens(p))) for p in parts[1:]) if len(parts) > 1 else ()
        )
        return Reading(self.classes, scores, probability, cues, later, norm, (idx, weights), tuple(parts_))

    def explain(self, reading: Reading, code: str, limit: int = 5) -> tuple[str, ...]:
        """The words of the text read that pushed category ``code`` up the most."""
        column = _index_of(self.classes, code)
        if column is None:
            return ()
        return _readable(self.category.contributions(*reading.features, column), limit=limit)

    def probability_of_secondary(self, scores: np.ndarray) -> np.ndarray:
        return softmax(scores * self.temperature)


def _readable(pairs: Sequence[tuple[str, float]], limit: int, skip_marked: bool = False) -> tuple[str, ...]:
    """Feature names as words, whole words first: the "w:" prefix dropped, fragments of a word shown skipped."""
    shown: list[str] = []
    words = [(t, v) for t, v in pairs if t.removeprefix(MARK).startswith("w:")]
    grams = [(t, v) for t, v in pairs if not t.removeprefix(MARK).startswith("w:") and len(t.removeprefix(MARK)) >= 3]
    for term, _ in (*words, *grams):
        if skip_marked and term.startswith(MARK):
            continue
        word = term.removeprefix(MARK).removeprefix("w:")
        if len(word) < 2 or any(word in s for s in shown):
            continue
        shown = [s for s in shown if s not in word]
        shown.append(word)
        if len(shown) >= limit:
            break
    return tuple(shown)


def content_hash(header: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> str:
    """A digest of what the artefact says (header and array values), independent of zip metadata."""
    digest = hashlib.sha256(json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{value.dtype.str}:{value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def pack(header: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> bytes:
    """Serialise an artefact; its identity is ``content_hash``, not the bytes (zip entries carry times)."""
    buffer = io.BytesIO()
    payload = {name: np.ascontiguousarray(value) for name, value in sorted(arrays.items())}
    payload["header"] = np.frombuffer(
        json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8"), dtype=np.uint8
    )
    np.savez(buffer, **payload)
    return buffer.getvalue()


__all__ = ["NO_CATEGORY", "ArtefactError", "Reading", "TextModel", "clauses", "pack"]
