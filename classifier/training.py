"""Training: labelled texts and category descriptions in, a plain-data artefact out.

The method was chosen by measurement (BENCHMARKS.md): TF-IDF over character 1–3-grams and
jieba words with a linear SVM (``LinearSVC``) for categories, trained on the case history,
administrators' confirmed examples and each category's name and keywords; a class-balanced
linear SVM over the same features, with hypothetical/historical/negated clauses marked, for
urgency. Five-fold out-of-fold scores calibrate both (a softmax temperature for categories,
Platt scaling for urgency) and set the urgency and second-problem thresholds. Everything is
deterministic: fixed folds and ``random_state``, sorted vocabularies.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.svm import LinearSVC

from classifier.model import FORMAT, NO_CATEGORY, TextModel, content_hash, pack, softmax
from classifier.text import clauses, normalize, segments, tokens, urgency_tokens

RANDOM_STATE = 0
FOLDS = 5
CATEGORY_C = 1.0
URGENCY_C = 1.0
URGENT_RECALL_TARGET = 0.92


@dataclass(frozen=True)
class LabelledText:
    """One training request: its text, confirmed category (None: no category fits), urgency, second problems."""

    text: str
    category: str | None
    urgent: bool = False
    secondary: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategoryDescription:
    """What the CMS says about a leaf category; its names and keywords are training text too."""

    code: str
    name: str
    parent_name: str = ""
    keywords: tuple[str, ...] = ()
    urgent_keywords: tuple[str, ...] = ()


@dataclass
class TrainedModel:
    artefact: bytes
    sha256: str
    metrics: dict[str, Any] = field(default_factory=dict)

    def load(self) -> TextModel:
        return TextModel(self.artefact)


def category_documents(categories: Sequence[CategoryDescription]) -> list[tuple[str, str]]:
    """(text, code) pairs: each leaf's full name, its keyword list, and every keyword alone."""
    docs: list[tuple[str, str]] = []
    for cat in categories:
        words = [*cat.keywords, *cat.urgent_keywords]
        docs.append((f"{cat.parent_name} {cat.name}", cat.code))
        if words:
            docs.append(("，".join(words), cat.code))
        docs.extend((word, cat.code) for word in words)
    return docs


def _vectorizer(analyzer: Callable[[str], list[str]]) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, lowercase=False, dtype=np.float32)


def _cached(function: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    cache: dict[str, list[str]] = {}

    def analyzer(text: str) -> list[str]:
        found = cache.get(text)
        if found is None:
            found = cache[text] = function(normalize(text))
        return found

    return analyzer


def _folds(labels: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if len(labels) >= FOLDS * 2 and min(counts.values()) >= FOLDS:
        splitter: Any = StratifiedKFold(FOLDS, shuffle=True, random_state=RANDOM_STATE)
        return list(splitter.split(np.zeros(len(labels)), labels))
    if len(labels) < FOLDS:
        return []
    return list(KFold(FOLDS, shuffle=True, random_state=RANDOM_STATE).split(np.zeros(len(labels))))


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of the out-of-fold scores."""
    best, best_loss = 1.0, float("inf")
    for temperature in np.geomspace(0.5, 50, 60):
        z = scores * temperature
        z = z - z.max(axis=1, keepdims=True)
        log_p = z[np.arange(len(truth)), truth] - np.log(np.exp(z).sum(axis=1))
        loss = -float(log_p.mean())
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def _urgency_threshold(probabilities: np.ndarray, truth: np.ndarray, by_keyword: np.ndarray) -> float:
    """The highest threshold at which urgent keywords or the model still find the target share of urgent requests.

    Out-of-fold probabilities stand for unseen text; the urgent keywords administrators keep
    (counted only in clauses that state what is happening) already find part of them.
    """
    if not truth.any():
        return 0.5
    needed = int(np.ceil(URGENT_RECALL_TARGET * truth.sum()))
    for threshold in np.linspace(0.9, 0.05, 86):
        if ((by_keyword | (probabilities >= threshold)) & truth).sum() >= needed:
            return float(round(threshold, 3))
    return 0.05


def stated_urgent_keywords(text: str, keywords: Sequence[str]) -> list[str]:
    """Urgent keywords that occur in a clause stating what is happening (not a worry or a memory)."""
    found = []
    parts = [c for c in clauses(normalize(text)) if not c.marked]
    for keyword in keywords:
        form = normalize(keyword)
        if form and any(form in c.text for c in parts):
            found.append(keyword)
    return found


def _confidence_curve(scores: np.ndarray, truth: np.ndarray) -> list[list[float]]:
    """Out-of-fold [threshold, share decided automatically, accuracy of those] for choosing the CMS threshold."""
    z = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities = z / z.sum(axis=1, keepdims=True)
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == truth
    curve = []
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        chosen = confidence >= threshold
        accuracy = float(right[chosen].mean()) if chosen.any() else 0.0
        curve.append([threshold, round(float(chosen.mean()), 3), round(accuracy, 3)])
    return curve


def _secondary_threshold(candidates: list[tuple[float, bool]]) -> float:
    """The probability above which a later segment's own category counts as a second problem (best F1)."""
    total_true = sum(1 for _, good in candidates if good)
    best, best_f1 = 0.5, -1.0
    for threshold in np.linspace(0.2, 0.9, 15):
        chosen = [good for p, good in candidates if p >= threshold]
        hits = sum(chosen)
        if not chosen or not total_true:
            continue
        precision, recall = hits / len(chosen), hits / total_true
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), f1
    return best


def train(
    examples: Sequence[LabelledText],
    categories: Sequence[CategoryDescription],
    *,
    progress: Callable[[str], None] | None = None,
) -> TrainedModel:
    """Fit, calibrate and pack a model; deterministic for the same inputs."""
    started = time.perf_counter()
    say = progress or (lambda message: None)
    examples = sorted(examples, key=lambda e: (e.text, e.category or "", e.urgent, e.secondary))
    known = {c.code for c in categories}
    examples = [e for e in examples if e.text.strip() and (e.category is None or e.category in known)]
    docs = category_documents(sorted(categories, key=lambda c: c.code))
    texts = [e.text for e in examples]
    labels = np.array([e.category or NO_CATEGORY for e in examples])
    urgent = np.array([bool(e.urgent) for e in examples])
    cat_analyzer, urg_analyzer = _cached(tokens), _cached(urgency_tokens)
    urgent_docs = [w for c in categories for w in c.urgent_keywords]

    def fit_category(rows: np.ndarray) -> tuple[TfidfVectorizer, LinearSVC]:
        vec = _vectorizer(cat_analyzer)
        x = vec.fit_transform([texts[i] for i in rows] + [d for d, _ in docs])
        y = [labels[i] for i in rows] + [c for _, c in docs]
        return vec, LinearSVC(C=CATEGORY_C, random_state=RANDOM_STATE).fit(x, y)

    def fit_urgency(rows: np.ndarray) -> tuple[TfidfVectorizer, LinearSVC]:
        vec = _vectorizer(urg_analyzer)
        x = vec.fit_transform([texts[i] for i in rows])
        y = [bool(urgent[i]) for i in rows]
        model = LinearSVC(C=URGENCY_C, class_weight="balanced", random_state=RANDOM_STATE)
        return vec, model.fit(x, y)

    folds = _folds(list(labels))
    classes = sorted({*labels, *(c for _, c in docs)})
    column = {c: i for i, c in enumerate(classes)}
    oof = np.zeros((len(examples), len(classes)), dtype=np.float32)
    oof_urgent = np.zeros(len(examples), dtype=np.float32)
    secondary_candidates: list[tuple[float, bool]] = []
    for number, (train_rows, test_rows) in enumerate(folds, start=1):
        say(f"交叉验证 {number}/{len(folds)}")
        vec, model = fit_category(train_rows)
        scores = model.decision_function(vec.transform([texts[i] for i in test_rows]))
        cols = [column[c] for c in model.classes_]
        oof[np.ix_(test_rows, cols)] = scores
        if has_both := (urgent[train_rows].any() and not urgent[train_rows].all()):
            u_vec, u_model = fit_urgency(train_rows)
            oof_urgent[test_rows] = u_model.decision_function(u_vec.transform([texts[i] for i in test_rows]))
        for i in test_rows:
            parts = segments(normalize(texts[i]))
            for part in parts[1:]:
                s = model.decision_function(vec.transform([part]))[0]
                best = int(np.argmax(s))
                code = model.classes_[best]
                if code in (labels[i], NO_CATEGORY):
                    continue
                secondary_candidates.append((float(softmax(s)[best]), code in examples[i].secondary))
        del has_both

    metrics: dict[str, Any] = {"examples": len(examples), "category_documents": len(docs), "folds": len(folds)}
    truth = np.array([column[c] for c in labels])
    temperature = _fit_temperature(oof, truth) if folds else 5.0
    slope, offset, threshold = 1.0, 0.0, 0.5
    if folds and urgent.any() and not urgent.all():
        platt = LogisticRegression(random_state=RANDOM_STATE).fit(oof_urgent.reshape(-1, 1), urgent)
        slope, offset = float(platt.coef_[0][0]), float(platt.intercept_[0])
        probabilities = 1 / (1 + np.exp(-(slope * oof_urgent + offset)))
        by_keyword = np.array([bool(stated_urgent_keywords(t, urgent_docs)) for t in texts])
        threshold = _urgency_threshold(probabilities, urgent, by_keyword)
        flagged = by_keyword | (probabilities >= threshold)
        metrics["urgent_recall_cv"] = round(float((flagged & urgent).sum() / urgent.sum()), 4)
        metrics["urgent_precision_cv"] = round(float((flagged & urgent).sum() / max(1, flagged.sum())), 4)
    if folds:
        metrics["category_accuracy_cv"] = round(float((oof.argmax(axis=1) == truth).mean()), 4)
        top3 = np.argsort(-oof, axis=1)[:, :3]
        metrics["category_top3_cv"] = round(float((top3 == truth[:, None]).any(axis=1).mean()), 4)
        metrics["confidence_curve_cv"] = _confidence_curve(oof * temperature, truth)
    secondary = _secondary_threshold(secondary_candidates) if secondary_candidates else 0.6

    say("训练最终模型")
    vec, model = fit_category(np.arange(len(examples)))
    coef = np.zeros((len(vec.vocabulary_), len(classes)), dtype=np.float32)
    intercept = np.zeros(len(classes), dtype=np.float32)
    cols = [column[c] for c in model.classes_]
    coef[:, cols] = model.coef_.T
    intercept[cols] = model.intercept_
    missing = [i for i, c in enumerate(classes) if c not in set(model.classes_)]
    intercept[missing] = -10.0
    u_vec, u_model = fit_urgency(np.arange(len(examples)))
    header = {
        "format": FORMAT,
        "classes": classes,
        "temperature": round(temperature, 6),
        "urgency_slope": slope,
        "urgency_offset": offset,
        "urgency_threshold": threshold,
        "secondary_threshold": secondary,
        "category_vocabulary": _vocabulary(vec),
        "urgency_vocabulary": _vocabulary(u_vec),
        "libraries": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "method": "tfidf(char1-3+jieba) + LinearSVC",
    }
    arrays = {
        "cat_idf": vec.idf_.astype(np.float32),
        "cat_coef": coef,
        "cat_intercept": intercept,
        "urg_idf": u_vec.idf_.astype(np.float32),
        "urg_coef": u_model.coef_.T.astype(np.float32),
        "urg_intercept": u_model.intercept_.astype(np.float32),
    }
    metrics["features"] = len(header["category_vocabulary"])
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    header["metrics"] = {k: v for k, v in metrics.items() if k != "seconds"}
    return TrainedModel(pack(header, arrays), content_hash(header, arrays), metrics)


def _vocabulary(vectorizer: TfidfVectorizer) -> list[str]:
    """Terms in column order; scikit-learn numbers them in sorted order, so the list is sorted too."""
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return terms
