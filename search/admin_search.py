"""A Wagtail search backend that understands Chinese, for the admin's page search, explorer and choosers.

Wagtail's database backends (the ``modelsearch`` package) index a whole run of Chinese
characters as one token, so 低保 finds nothing. This backend keeps no index of its own: like
modelsearch's fallback backend it matches in the database (``icontains``), but first the
resident search analyzer segments the query and adds synonyms and pinyin readings, so 低保
finds 最低生活保障申请 and ``dibao`` finds both. Every word must match (one of its alternatives),
except lone characters when longer words are present.

Enable it in settings::

    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.admin_search"}}
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import models
from modelsearch.backends.database.fallback import (
    MATCH_NONE,
    DatabaseSearchBackend,
    DatabaseSearchQueryCompiler,
)
from modelsearch.query import PlainText
from modelsearch.utils import AND, OR

from . import runtime
from .text import SINGLE_CHAR_WEIGHT, Concept, QueryPlan, normalize


def required_concepts(plan: QueryPlan) -> list[tuple[Concept, list[Concept]]]:
    """The words a match must contain, each with the shorter known words found inside it.

    A long word matches through itself or through all of its parts (最低生活保障申请 through
    最低生活保障 and 申请); lone characters are required only when nothing longer was typed.
    """
    concepts = plan.concepts

    def inside(part: Concept, whole: Concept) -> bool:
        return part is not whole and len(part.term) < len(whole.term) and part.term in whole.term

    top = [c for c in concepts if not any(inside(c, other) for other in concepts)]
    strong = [c for c in top if c.weight > SINGLE_CHAR_WEIGHT] or top
    return [(c, [p for p in concepts if inside(p, c)]) for c in strong]


class ChineseSearchQueryCompiler(DatabaseSearchQueryCompiler):
    def term_filter(self, term: str) -> models.Q:
        # SQLite stores JSON with non-ASCII characters escaped (\u4f4e), so JSON fields are also
        # matched in that form; PostgreSQL's jsonb text shows the characters themselves.
        model = self.queryset.model
        escaped = json.dumps(term)[1:-1]
        query = models.Q()
        for name in self.fields_names:
            query |= models.Q(**{f"{name}__icontains": term})
            if escaped != term and isinstance(model._meta.get_field(name), models.JSONField):
                query |= models.Q(**{f"{name}__icontains": escaped})
        return query

    def concept_filter(self, concept: Concept, parts: Sequence[Concept] = ()) -> models.Q:
        query = OR([self.term_filter(alt.term) for alt in concept.alternatives])
        if parts:
            query |= AND([self.concept_filter(part) for part in parts])
        return query

    def build_database_filter(self, query, boost=1.0):
        if not isinstance(query, PlainText):
            return super().build_database_filter(query, boost=boost)
        text = normalize(query.query_string)
        if not text or not self.fields_names:
            return MATCH_NONE
        plan = runtime.backend().analyzer.analyze(text)
        clauses = [self.concept_filter(concept, parts) for concept, parts in required_concepts(plan)]
        whole = self.term_filter(text)
        if not clauses:
            return whole
        return whole | (AND(clauses) if query.operator == "and" else OR(clauses))


class ChineseDatabaseSearchBackend(DatabaseSearchBackend):
    query_compiler_class = ChineseSearchQueryCompiler
    autocomplete_query_compiler_class = ChineseSearchQueryCompiler


SearchBackend = ChineseDatabaseSearchBackend
