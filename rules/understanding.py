"""What the text says beyond the keywords: the classifier's reading merged with the keyword hits.

CMS keywords are precise rules: a leaf they hit gets extra score, and when the classifier's
best category is a keyword leaf it is taken whatever the confidence. Otherwise the classifier's
category stands only at or above the confidence the CMS sets; below it the request goes to the
manual queue with three suggestions. Urgency is a separate signal; keyword urgency counts only
outside hypothetical, historical or negated clauses ("万一起火" is a worry, not a fire).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifier.model import NO_CATEGORY, TextModel
from classifier.text import Clause, clauses, normalize
from rules.matching import KeywordHit, leaves_in_order
from rules.snapshot import RulesConfig

# Extra raw score for a keyword-hit leaf (half for leaves hit after the first). Chosen by
# five-fold cross-validation on the case history: 0.3 beat 0 (classifier alone), 0.6, 1.0 and
# "first keyword wins" (BENCHMARKS.md).
KEYWORD_BOOST = 0.3
SUGGESTIONS = 3
# Where keywords settle the category, the administrators' urgent keywords for it have already
# spoken; the urgency signal then overrides their silence only when it is at least an even bet.
URGENT_OVER_KEYWORDS = 0.5

REASON_NO_FIT = "分类模型判断该诉求不属于任何已配置的分类"
REASON_LOW_CONFIDENCE = "分类置信度 {confidence:.2f} 低于自动派单阈值 {threshold:.2f}"
REASON_NO_TEXT = "诉求内容过短或无法识别"


@dataclass(frozen=True)
class Understanding:
    category: str | None
    confidence: float
    suggestions: tuple[str, ...] = ()
    suggestion_scores: tuple[float, ...] = ()  # the classifier's probability of each suggestion
    source: str = "none"  # "keyword", "classifier" or "none"
    urgent_signal: bool = False
    urgent_probability: float = 0.0
    urgent_cues: tuple[str, ...] = ()
    urgent_keywords: tuple[str, ...] = ()  # urgent keywords hit in clauses that state what is happening
    marked_keywords: frozenset[str] = frozenset()  # keywords only in hypothetical/historical/negated clauses
    secondary: tuple[str, ...] = ()
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reason: str = ""


def marked_keywords(text: str, hits: Sequence[KeywordHit], parts: Sequence[Clause] | None = None) -> frozenset[str]:
    """Keywords that occur only in hypothetical, historical or negated clauses."""
    if not hits:
        return frozenset()
    parts = clauses(normalize(text)) if parts is None else parts
    out = set()
    for hit in hits:
        form = normalize(hit.keyword)
        inside = [c.marked for c in parts if form in c.text]
        if inside and all(inside):
            out.add(hit.keyword)
    return frozenset(out)


def understand(text: str, hits: Sequence[KeywordHit], config: RulesConfig) -> Understanding:
    """Category, confidence, suggestions, urgency and second problems for one text."""
    leaves = [leaf.code for leaf in leaves_in_order(hits)]
    model: TextModel | None = config.text_model
    if model is None:
        hypothetical = marked_keywords(text, hits)
        urgent_keywords = tuple(h.keyword for h in hits if h.is_urgent_keyword and h.keyword not in hypothetical)
        return Understanding(
            marked_keywords=hypothetical,
            category=leaves[0] if leaves else None,
            confidence=1.0 if leaves else 0.0,
            suggestions=tuple(leaves[:SUGGESTIONS]),
            source="keyword" if leaves else "none",
            urgent_keywords=urgent_keywords,
        )
    reading = model.read(text)
    hypothetical = marked_keywords(text, hits, reading.clauses)
    urgent_keywords = tuple(h.keyword for h in hits if h.is_urgent_keyword and h.keyword not in hypothetical)
    boost = {code: KEYWORD_BOOST * (1.0 if i == 0 else 0.5) for i, code in enumerate(leaves)}
    probabilities = reading.probabilities(boost, model.temperature)
    order = [int(i) for i in np.argsort(-probabilities, kind="stable")]
    known = config.leaves
    suggestions = tuple(model.classes[i] for i in order if model.classes[i] in known)[:SUGGESTIONS]
    best = model.classes[order[0]]
    confidence = float(probabilities[order[0]])
    top_two = {model.classes[i] for i in order[:2]}
    if len(leaves) >= 2 and leaves[0] in top_two and not top_two.isdisjoint(leaves[1:]):
        # Two problems the keywords name and the classifier confirms: the first mentioned leads,
        # as the reference semantics state (five-fold CV on the history: no loss).
        best = leaves[0]
        confidence = float(probabilities[model.classes.index(best)])
    evidence = {code: model.explain(reading, code) for code in suggestions[:1]}
    keyword_settled = best in boost
    bar = max(model.urgency_threshold, URGENT_OVER_KEYWORDS) if keyword_settled else model.urgency_threshold
    urgent = reading.urgent_probability >= bar
    scores = tuple(round(float(probabilities[model.classes.index(code)]), 4) for code in suggestions)
    common: dict[str, Any] = {
        "suggestions": suggestions,
        "suggestion_scores": scores,
        "urgent_signal": urgent,
        "urgent_probability": round(reading.urgent_probability, 4),
        "urgent_cues": reading.urgent_cues if urgent else (),
        "urgent_keywords": urgent_keywords,
        "marked_keywords": hypothetical,
        "evidence": evidence,
    }
    if not reading.norm or len(reading.norm.strip()) < 2:
        return Understanding(None, 0.0, source="none", reason=REASON_NO_TEXT, **common)
    if best == NO_CATEGORY or best not in known:
        return Understanding(None, round(confidence, 4), source="none", reason=REASON_NO_FIT, **common)
    if not keyword_settled and confidence < config.auto_dispatch_confidence:
        reason = REASON_LOW_CONFIDENCE.format(confidence=confidence, threshold=config.auto_dispatch_confidence)
        return Understanding(None, round(confidence, 4), source="none", reason=reason, **common)
    secondary = _secondary(model, reading.segments, best, config)
    source = "keyword" if keyword_settled else "classifier"
    return Understanding(best, round(confidence, 4), source=source, secondary=secondary, **common)


def _secondary(model: TextModel, segments: Sequence[np.ndarray], primary: str, config: RulesConfig) -> tuple[str, ...]:
    """Categories of later segments ("另外……", "还有……") that are confidently a different problem."""
    found: dict[str, None] = {}
    for scores in segments:
        probabilities = model.probability_of_secondary(scores)
        best = int(np.argmax(probabilities))
        code = model.classes[best]
        if code in (primary, NO_CATEGORY) or code not in config.leaves:
            continue
        if probabilities[best] >= model.secondary_threshold:
            found.setdefault(code, None)
    return tuple(found)
