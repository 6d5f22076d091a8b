"""Chinese text analysis shared by every backend: normalise, segment, expand and correct queries.

Residents type traditional characters, full-width letters, pinyin or initials (``gjj``), homophone
typos (申请 as 申情), English words and long spoken questions. :class:`Analyzer` turns all of
that into a :class:`QueryPlan` of concepts with weighted alternatives, so the embedded engine and
Elasticsearch rank from the same understanding of the query.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .documents import SearchDocument
from .synonyms import SynonymSet, default_synonyms, parse_synonyms

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
_CJK_RUN_RE = re.compile(f"[{CJK}]+")
_CJK_FULL_RE = _CJK_RUN_RE
_LATIN_RUN_RE = re.compile(r"[a-z][a-z' ]*[a-z]|[a-z]")
_WORD_CHAR_RE = re.compile(f"[0-9a-z{CJK}]")
_FULL_WIDTH_RE = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_SPLIT_PHRASE_RE = re.compile(r"[（）()【】\[\]、，,。；;：:“”\"《》/\s]+")

#: Weights of the alternatives in a concept, by where they came from.
WEIGHTS = {
    "query": 1.0,
    "english": 1.0,
    "pinyin": 0.95,
    "typo": 0.9,
    "synonym": 0.8,
    "related": 0.6,
}
SINGLE_CHAR_WEIGHT = 0.3
PART_WEIGHT = 0.5
#: Longer input is cut: no resident question needs more, and typo windows grow with length.
MAX_QUERY_CHARS = 200

#: Words that carry the shape of a question, not its subject ("how do I…", "where is…").
STOPWORDS = frozenset(
    """
    怎么 怎样 怎么样 怎么办 咋 咋办 咋样 如何 哪里 哪儿 哪 去哪 去哪里 去哪儿 在哪 在哪里
    在哪儿 哪个 哪些 哪家 什么 啥 为什么 多少 几 吗 呢 吧 啊 呀 哦 嘛 么 了 的 地 得 着 过 和
    与 及 或 或者 还是 而且 并且 但是 可是 我 我们 我家 你 你们 您 他 她 它 他们 她们 自己
    大家 咱 咱们 这 那 这个 那个 这些 那些 这样 那样 这里 那里 是 有 没 要 想 想要 需要 需 能
    能不能 可以 可不可以 可否 会 应该 得要 必须 就 都 也 还 又 再 才 把 被 让 给 对 向 从 到
    在 请问 请 问 问一下 一下 咨询 你好 您好 谢谢 麻烦 帮忙 帮我 现在 目前 今年 最近 已经
    一个 一些 有没有 是不是 去 来 找 弄 搞 办 办理 能办 怎么弄 怎么搞 手续 流程 需要带 带
    带啥 上哪 上哪儿 谁 谁来 哪位 行不行 可以吗 么样 听说 知道 觉得 感觉 可能 好像 一直 还有
    然后 因为 所以 如果 的话 时候 以后 之前 之后 问题 事情 事儿 具体 一般 真的 特别 非常 比较
    怎么回事 是否 能否 一点 什么样 为啥 干啥 干什么 做什么 说 告诉 看看 了解 相关
    """.split()
)

#: Everyday English for public services (general vocabulary, matched as whole words).
ENGLISH_TERMS: dict[str, str] = {
    "id card": "身份证",
    "identity card": "身份证",
    "id": "身份证",
    "passport": "护照",
    "visa": "签证",
    "hukou": "户口",
    "household registration": "户口",
    "residence permit": "居住证",
    "social security card": "社保卡",
    "social security": "社保",
    "social insurance": "社保",
    "medical insurance": "医保",
    "health insurance": "医保",
    "pension": "养老金",
    "retirement": "退休",
    "retire": "退休",
    "marriage": "结婚登记",
    "married": "结婚登记",
    "divorce": "离婚",
    "driver license": "驾驶证",
    "driver's license": "驾驶证",
    "drivers license": "驾驶证",
    "driving license": "驾驶证",
    "driving licence": "驾驶证",
    "business license": "营业执照",
    "housing fund": "公积金",
    "provident fund": "公积金",
    "unemployment": "失业",
    "unemployed": "失业",
    "job": "就业",
    "jobs": "就业",
    "employment": "就业",
    "wage": "工资",
    "salary": "工资",
    "vaccine": "疫苗",
    "vaccination": "预防接种",
    "disability": "残疾",
    "disabled": "残疾人",
    "elderly": "老年人",
    "senior": "老年人",
    "birth": "出生",
    "baby": "新生儿",
    "newborn": "新生儿",
    "child": "儿童",
    "children": "儿童",
    "subsidy": "补贴",
    "allowance": "补贴",
    "welfare": "救助",
    "dog": "犬只",
    "pet": "宠物",
    "volunteer": "志愿者",
    "rent": "租房",
    "rental": "租房",
    "housing": "住房",
    "heating": "供暖",
    "gas": "燃气",
    "water": "供水",
    "elevator": "电梯",
    "lift": "电梯",
    "veteran": "退役军人",
    "loan": "贷款",
    "doctor": "医生",
    "checkup": "体检",
    "garbage": "垃圾",
    "waste": "垃圾",
    "mediation": "调解",
    "complaint": "投诉",
    "hotline": "热线",
    "certificate": "证明",
    "e-bike": "电动自行车",
    "ebike": "电动自行车",
    "training": "培训",
    "insurance": "保险",
    "hospital": "医院",
    "policy": "政策",
}


def _traditional_map() -> dict[str, str]:
    import opencc

    path = Path(opencc.__file__).with_name("dictionary") / "TSCharacters.txt"
    mapping: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and parts[0] != parts[1].split()[0]:
            mapping[parts[0]] = parts[1]
    return mapping


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    return frozenset(_traditional_map())


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def normalize(text: str) -> str:
    """Fold width, case and traditional characters so that every spelling meets one form.

    NFKC turns full-width letters, digits and spaces into ASCII; OpenCC (t2s, phrase-aware)
    runs only when a traditional character is present, since it is the slow step.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if not _traditional_chars().isdisjoint(text):
        text = _t2s().convert(text)
    return " ".join(text.lower().split())


def is_cjk(text: str) -> bool:
    """True if *text* is made only of Chinese characters."""
    return _CJK_FULL_RE.fullmatch(text) is not None


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each Chinese run (a lone character stands for itself).

    They give recall when a word was segmented differently at index and query time, as the
    ``cjk`` analyzer does in Elasticsearch.
    """
    grams: list[str] = []
    for run in _CJK_RUN_RE.findall(text):
        if len(run) == 1:
            grams.append(run)
        else:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_AGE_RE = re.compile(r"([零一二两三四五六七八九十]{1,3})(多)?(周岁|岁)")


def _chinese_number(text: str) -> int | None:
    """Chinese numerals up to 99 (八十 → 80, 六十五 → 65, 十二 → 12)."""
    if "十" not in text:
        return _DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    value = (_DIGITS.get(tens, -100) if tens else 1) * 10 + (_DIGITS.get(ones, -100) if ones else 0)
    return value if value >= 0 else None


def chinese_ages_to_digits(text: str) -> str:
    """Write ages in digits as service texts do (七十岁 → 70岁, 八十多岁 → 80多岁)."""

    def replace(match: re.Match[str]) -> str:
        value = _chinese_number(match.group(1))
        if value is None:
            return match.group(0)
        return f"{value}{match.group(2) or ''}{match.group(3)}"

    return _AGE_RE.sub(replace, text)


# ---------------------------------------------------------------------------------------------
# Pinyin


def _pinyin_module():
    import pypinyin

    return pypinyin


def term_pinyin(term: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of a word, read as a phrase (so 银行 is yin hang)."""
    pypinyin = _pinyin_module()
    return tuple(pypinyin.lazy_pinyin(term, style=pypinyin.Style.NORMAL, errors="ignore"))


def pinyin_keys(text: str) -> tuple[str, str]:
    """Full pinyin and initials of *text*, lowercase without spaces (``公积金`` → gongjijin, gjj)."""
    syllables = term_pinyin(text)
    return "".join(syllables), "".join(s[0] for s in syllables if s)


@lru_cache(maxsize=8192)
def _char_readings(char: str) -> tuple[str, ...]:
    pypinyin = _pinyin_module()
    readings = pypinyin.pinyin(char, style=pypinyin.Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(dict.fromkeys(readings[0])) if readings else ()


_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"))


@lru_cache(maxsize=8192)
def _fuzzy_readings(char: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_fuzzy(r) for r in _char_readings(char)))


@lru_cache(maxsize=4096)
def _fuzzy(syllable: str) -> str:
    """Collapse the confusions most speakers make when typing pinyin (zh/z, ch/c, sh/s, -ng/-n)."""
    for hard, soft in _FUZZY:
        if syllable.startswith(hard):
            syllable = soft + syllable[len(hard) :]
            break
    if syllable.endswith("ng") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


# ---------------------------------------------------------------------------------------------
# Segmentation


class Segmenter:
    """jieba-rs (``rjieba``) with a private user dictionary; Python jieba if rjieba is missing.

    Each segmenter owns its dictionary, so two analyzers never leak words into each other.
    Loading the base dictionary costs 0.1–0.3 s, so create one per process and reuse it.
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        try:
            import rjieba

            self._jieba = rjieba.Jieba()
            self._has_word = self._jieba.has_word
            self._add = lambda word: self._jieba.add_word(word, None, None)
        except ImportError:  # pragma: no cover - rjieba is in requirements.txt
            import jieba

            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            self._jieba = tokenizer
            self._has_word = lambda word: bool(tokenizer.FREQ.get(word))
            self._add = lambda word: tokenizer.add_word(word)
        self.user_words: set[str] = set()
        self.add_words(words)

    def add_words(self, words: Iterable[str]) -> int:
        """Add user-dictionary words (already normalised); returns how many were new."""
        added = 0
        for word in words:
            if len(word) < 2 or word in self.user_words or " " in word:
                continue
            self._add(word)
            self.user_words.add(word)
            added += 1
        return added

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        return list(self._jieba.cut(text, hmm))

    def has_word(self, word: str) -> bool:
        return word in self.user_words or bool(self._has_word(word))


def user_words_from_phrase(phrase: str) -> list[str]:
    """The dictionary words a title or keyword contributes: the phrase and its bracketed parts."""
    text = normalize(phrase)
    parts = [p for p in _SPLIT_PHRASE_RE.split(text) if p]
    words = [p for p in parts if len(p) >= 2 and _WORD_CHAR_RE.search(p)]
    return words


# ---------------------------------------------------------------------------------------------
# Query plan


@dataclass(frozen=True)
class Alternative:
    """One way to match a concept: a term, its weight and why it is searched."""

    term: str
    weight: float
    source: str


@dataclass(frozen=True)
class Concept:
    """One thing the resident asked about, e.g. 低保 with its alternatives 最低生活保障…"""

    term: str
    weight: float
    alternatives: tuple[Alternative, ...]

    def terms(self, *, include_synonyms: bool = True) -> list[tuple[str, float]]:
        return [
            (alt.term, alt.weight)
            for alt in self.alternatives
            if include_synonyms or alt.source not in ("synonym", "related")
        ]


@dataclass(frozen=True)
class QueryPlan:
    """What a query means, independent of the engine that will run it."""

    query: str
    normalized: str
    rewritten: str
    concepts: tuple[Concept, ...] = ()
    bigrams: tuple[str, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()

    @property
    def is_blank(self) -> bool:
        return not self.normalized

    @property
    def is_empty(self) -> bool:
        return not self.concepts and not self.bigrams

    @property
    def corrected_query(self) -> str | None:
        """The query as understood, when pinyin, English or a typo was rewritten (else None)."""
        return self.rewritten if self.corrections else None

    @property
    def highlight_terms(self) -> list[str]:
        terms: dict[str, None] = {}
        for concept in self.concepts:
            for alt in concept.alternatives:
                if len(alt.term) >= 2 or len(self.concepts) == 1:
                    terms[alt.term] = None
        return sorted(terms, key=len, reverse=True)


@dataclass
class _PinyinIndex:
    """Known terms by full pinyin, initials, syllables and fuzzy syllables; grows as terms arrive."""

    full: dict[str, list[str]] = field(default_factory=dict)
    initials: dict[str, list[str]] = field(default_factory=dict)
    syllables: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    fuzzy: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    terms: set[str] = field(default_factory=set)
    max_full_len: int = 0

    def add(self, term: str) -> None:
        if term in self.terms or not 2 <= len(term) <= 8 or not is_cjk(term):
            return
        self.terms.add(term)
        syllables = term_pinyin(term)
        if len(syllables) != len(term):
            return
        full = "".join(syllables)
        self.full.setdefault(full, []).append(term)
        self.initials.setdefault("".join(s[0] for s in syllables), []).append(term)
        self.syllables.setdefault(syllables, []).append(term)
        self.fuzzy.setdefault(tuple(_fuzzy(s) for s in syllables), []).append(term)
        self.max_full_len = max(self.max_full_len, len(full))


class Analyzer:
    """Segmentation, vocabulary and query understanding for one index.

    The vocabulary (term → number of documents whose title, keywords, summary or category
    contain it) is learnt from the indexed documents; it decides which words are "known" and
    feeds the pinyin index used for pinyin input, initials and homophone typos.
    """

    def __init__(
        self,
        synonyms: SynonymSet | Iterable[str | Sequence[str]] | None = None,
        extra_terms: Iterable[str] = (),
        segmenter: Segmenter | None = None,
    ) -> None:
        self.segmenter = segmenter or Segmenter()
        self.vocabulary: Counter[str] = Counter()
        self._pinyin = _PinyinIndex()
        self._pinyin_pending: set[str] = set()
        self._subwords: dict[str, tuple[str, ...]] = {}
        self.synonyms = SynonymSet()
        self.set_synonyms(default_synonyms() if synonyms is None else synonyms)
        self.add_terms(extra_terms)

    # -- configuration -------------------------------------------------------------------------

    def set_synonyms(self, synonyms: SynonymSet | Iterable[str | Sequence[str]]) -> None:
        """Replace the synonym list (takes effect for the next query; reindex for best results)."""
        raw = synonyms if isinstance(synonyms, SynonymSet) else parse_synonyms(synonyms)
        groups = tuple(tuple(dict.fromkeys(normalize(t) for t in g)) for g in raw.groups)
        one_way = tuple(
            (tuple(normalize(t) for t in src), tuple(normalize(t) for t in dst)) for src, dst in raw.one_way
        )
        self.synonyms = SynonymSet(groups=groups, one_way=one_way)
        self.add_terms(self.synonyms.terms)
        self._pinyin_pending.update(self.synonyms.terms)

    def add_terms(self, terms: Iterable[str]) -> None:
        """Add words to the user dictionary (category names, keywords, synonym terms)."""
        words = [w for term in terms for w in user_words_from_phrase(term)]
        if self.segmenter.add_words(words):
            self._subwords.clear()

    def learn(self, docs: Iterable[SearchDocument]) -> None:
        """Add the words of *docs* to the user dictionary and the vocabulary.

        Call it for every document before indexing it, so that segmentation at index time
        already knows the document's own titles and keywords.
        """
        docs = list(docs)
        phrases = [p for doc in docs for p in (doc.title, *doc.keywords, doc.category or "")]
        self.add_terms(phrases)
        for doc in docs:
            terms = set(self.vocabulary_terms(doc))
            self._pinyin_pending.update(t for t in terms if t not in self.vocabulary)
            self.vocabulary.update(terms)

    def vocabulary_terms(self, doc: SearchDocument) -> list[str]:
        """The words of a document that count as known vocabulary."""
        terms: list[str] = []
        for text in (doc.title, *doc.keywords, doc.summary, doc.category or "", doc.department_name):
            terms += [t for t in self.index_tokens(text) if len(t) >= 2]
            terms += user_words_from_phrase(text) if text in (doc.title, *doc.keywords) else []
        return terms

    def load_vocabulary(self, vocabulary: dict[str, int], user_words: Iterable[str]) -> None:
        """Restore a vocabulary saved by another process (Elasticsearch keeps it in ``_meta``)."""
        self.segmenter.add_words(user_words)
        self._subwords.clear()
        self.vocabulary = Counter(vocabulary)
        self._pinyin_pending.update(self.vocabulary)

    # -- index side ------------------------------------------------------------------------------

    def index_tokens(self, text: str) -> list[str]:
        """Tokens for the index: each word plus the dictionary words inside longer words.

        This generalises jieba's search mode (which stops at 3-character sub-words), so that
        社会保障卡申领 also indexes 社会保障卡, 社会保障 and 申领.
        """
        tokens: list[str] = []
        for word in self.segmenter.cut(normalize(text)):
            word = word.strip()
            if not word or not _WORD_CHAR_RE.search(word):
                continue
            if word in STOPWORDS and len(word) == 1:
                continue
            tokens.append(word)
            if len(word) > 2:
                subwords = self._subwords.get(word)
                if subwords is None:
                    subwords = self._subwords[word] = self._dictionary_subwords(word)
                tokens.extend(subwords)
        return tokens

    def _dictionary_subwords(self, word: str) -> tuple[str, ...]:
        if not is_cjk(word):
            return ()
        n = len(word)
        has_word = self.segmenter.has_word
        return tuple(
            word[start : start + size]
            for size in range(n - 1, 1, -1)
            for start in range(0, n - size + 1)
            if has_word(word[start : start + size])
        )

    def index_bigrams(self, text: str) -> list[str]:
        return bigrams(normalize(text))

    # -- query side ------------------------------------------------------------------------------

    def analyze(self, query: str) -> QueryPlan:
        """Understand a resident's query: rewrite pinyin/English/typos, drop question words,
        and attach synonyms to each remaining concept."""
        normalized = normalize(query)[:MAX_QUERY_CHARS]
        corrections: list[tuple[str, str]] = []
        extra_alternatives: dict[str, list[Alternative]] = {}
        rewritten = self._rewrite_latin(normalized, corrections, extra_alternatives)
        rewritten = chinese_ages_to_digits(rewritten)
        rewritten = self._correct_long_homophones(rewritten, corrections)
        tokens = [t.strip() for t in self.segmenter.cut(rewritten)]
        tokens = [t for t in tokens if t and _WORD_CHAR_RE.search(t)]
        already = len(corrections)
        tokens = self._correct_unknown_runs(tokens, corrections)
        for wrong, right in corrections[already:]:
            rewritten = rewritten.replace(wrong, right, 1)
        tokens = self._split_unknown(tokens)

        concepts: dict[str, Concept] = {}
        spans: list[list[str]] = [[]]
        for token in tokens:
            if self._is_stopword(token):
                spans.append([])
                continue
            spans[-1].append(token)
            self._add_concept(
                concepts, token, extra_alternatives.get(token, []), expand_parts=token not in extra_alternatives
            )
        grams: list[str] = []
        for span in spans:
            grams += bigrams("".join(span))
        rewritten_text = rewritten if corrections else normalized
        return QueryPlan(
            query=query,
            normalized=normalized,
            rewritten=rewritten_text,
            concepts=tuple(concepts.values()),
            bigrams=tuple(dict.fromkeys(grams)),
            corrections=tuple(corrections),
        )

    def _is_stopword(self, token: str) -> bool:
        return token in STOPWORDS and not self.synonyms.expand(token)

    def _split_unknown(self, tokens: list[str]) -> list[str]:
        """Split words that jieba's HMM invented (养狗要) back into dictionary pieces."""
        out: list[str] = []
        for token in tokens:
            if len(token) > 1 and is_cjk(token) and token not in self.vocabulary and not self.segmenter.has_word(token):
                out.extend(t for t in self.segmenter.cut(token, hmm=False) if t.strip())
            else:
                out.append(token)
        return out

    def _alternatives(self, term: str, extra: Iterable[Alternative] = ()) -> tuple[Alternative, ...]:
        alternatives: dict[str, Alternative] = {term: Alternative(term, WEIGHTS["query"], "query")}
        for alt in extra:
            alternatives.setdefault(alt.term, alt)
        for alt_term in self.synonyms.expand(term):
            alternatives.setdefault(alt_term, Alternative(alt_term, WEIGHTS["synonym"], "synonym"))
        return tuple(alternatives.values())

    def _add_concept(
        self, concepts: dict[str, Concept], token: str, extra: list[Alternative], expand_parts: bool = True
    ) -> None:
        if token in concepts:
            return
        weight = 1.0
        if len(token) == 1 and is_cjk(token):
            weight = 0.8 if self.synonyms.expand(token) else SINGLE_CHAR_WEIGHT
        concepts[token] = Concept(token, weight, self._alternatives(token, extra))
        long_phrase = len(token) >= 4 or (len(token) == 3 and token not in self.vocabulary)
        if expand_parts and long_phrase and is_cjk(token):
            for part in self._known_parts(token):
                if part not in concepts:
                    concepts[part] = Concept(part, PART_WEIGHT, self._alternatives(part))

    def _known_parts(self, word: str) -> list[str]:
        """Known words inside a long token (longest first, non-overlapping).

        Single characters count only when they have synonyms (狗 → 犬只).
        """
        parts: list[str] = []
        taken = [False] * len(word)
        for size in range(len(word) - 1, 0, -1):
            for start in range(0, len(word) - size + 1):
                if any(taken[start : start + size]):
                    continue
                sub = word[start : start + size]
                if (size > 1 and sub in self.vocabulary) or self.synonyms.expand(sub):
                    parts.append(sub)
                    for i in range(start, start + size):
                        taken[i] = True
        return parts

    # -- pinyin and English ----------------------------------------------------------------------

    def _pinyin_index(self) -> _PinyinIndex:
        if self._pinyin_pending:
            for term in sorted(self._pinyin_pending):
                self._pinyin.add(term)
            self._pinyin_pending.clear()
        return self._pinyin

    def warm_up(self) -> None:
        """Load pypinyin and index pending terms now rather than on the first query."""
        self._pinyin_index()

    def _ranked(self, terms: Iterable[str]) -> list[str]:
        return sorted(terms, key=lambda t: (-self.vocabulary[t], len(t), t))

    def pinyin_candidates(self, latin: str) -> list[str]:
        """Known terms spelt by *latin* as full pinyin or as initials, most frequent first."""
        key = latin.replace(" ", "").replace("'", "")
        index = self._pinyin_index()
        found = self._ranked(index.full.get(key, []))
        if len(key) <= 6:
            found += [t for t in self._ranked(index.initials.get(key, [])) if t not in found]
        return found

    def _segment_pinyin(self, key: str) -> list[str] | None:
        """Split a run of pinyin (``shebaokabuban``) into known terms, fewest pieces first."""
        index = self._pinyin_index()
        n = len(key)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - index.max_full_len), end):
                prefix = best[start]
                if prefix is None:
                    continue
                terms = index.full.get(key[start:end])
                if terms:
                    candidate = [*prefix, self._ranked(terms)[0]]
                    current = best[end]
                    if current is None or len(candidate) < len(current):
                        best[end] = candidate
        return best[n]

    def _rewrite_latin(self, text: str, corrections: list[tuple[str, str]], extra: dict[str, list[Alternative]]) -> str:
        """Replace English words and pinyin/initials in the query with the Chinese terms they mean."""

        def english(run: str) -> str | None:
            words = run.split()
            out: list[str] = []
            i = 0
            matched = False
            while i < len(words):
                for size in (3, 2, 1):
                    phrase = " ".join(words[i : i + size])
                    if len(words[i : i + size]) == size and phrase in ENGLISH_TERMS:
                        out.append(ENGLISH_TERMS[phrase])
                        i += size
                        matched = True
                        break
                else:
                    out.append(words[i])
                    i += 1
            return " ".join(out) if matched else None

        def replace(match: re.Match[str]) -> str:
            run = match.group(0).strip()
            if not run:
                return match.group(0)
            translated = english(run)
            if translated is not None:
                corrections.append((run, translated))
                for word in translated.split():
                    if not _LATIN_RUN_RE.fullmatch(word):
                        extra.setdefault(word, [])
                return f" {self._rewrite_pinyin_words(translated, corrections, extra)} "
            return f" {self._rewrite_pinyin_words(run, corrections, extra)} "

        return " ".join(_LATIN_RUN_RE.sub(replace, text).split())

    def _rewrite_pinyin_words(
        self, run: str, corrections: list[tuple[str, str]], extra: dict[str, list[Alternative]]
    ) -> str:
        if not _LATIN_RUN_RE.search(run):
            return run
        if not _LATIN_RUN_RE.fullmatch(run):
            parts = re.split(r"(\s+)", run)
            return "".join(self._rewrite_pinyin_words(p, corrections, extra) if p.strip() else p for p in parts)
        whole = self.pinyin_candidates(run)
        if whole:
            best = whole[0]
            extra[best] = [Alternative(t, WEIGHTS["pinyin"] * 0.8, "pinyin") for t in whole[1:3]]
            corrections.append((run, best))
            return best
        pieces: list[str] = []
        changed = False
        for word in run.split():
            candidates = self.pinyin_candidates(word)
            if candidates:
                pieces.append(candidates[0])
                extra[candidates[0]] = [Alternative(t, WEIGHTS["pinyin"] * 0.8, "pinyin") for t in candidates[1:3]]
                changed = True
                continue
            split = self._segment_pinyin(word.replace("'", "")) if len(word) >= 4 else None
            if split:
                pieces.append(" ".join(split))
                for term in split:
                    extra.setdefault(term, [])
                changed = True
            else:
                pieces.append(word)
        if changed:
            result = " ".join(pieces)
            corrections.append((run, result))
            return result
        return run

    # -- homophone typos -------------------------------------------------------------------------

    def _lookup_homophone(self, chars: str) -> str | None:
        """A known term that sounds like *chars* (same toneless syllables), or None."""
        index = self._pinyin_index()
        for table, reader in ((index.syllables, _char_readings), (index.fuzzy, _fuzzy_readings)):
            readings = [reader(ch) for ch in chars]
            if not all(readings):
                return None
            best: str | None = None
            for key in itertools.islice(itertools.product(*readings), 16):
                for term in table.get(key, []):
                    differing = sum(a != b for a, b in zip(term, chars, strict=True))
                    if term == chars or differing * 2 > len(chars):
                        continue
                    if best is None or self.vocabulary[term] > self.vocabulary[best]:
                        best = term
            if best is not None:
                return best
        return None

    def _correct_long_homophones(self, text: str, corrections: list[tuple[str, str]]) -> str:
        """Fix 3–6 character homophone typos of known terms anywhere in the text (老年正 → 老年证).

        Only windows at least three characters long are checked here: few real phrases sound
        exactly like a known 3+ character term, so the correction is safe across word borders.
        """

        def fix(run: str) -> str:
            out: list[str] = []
            i = 0
            while i < len(run):
                replaced = False
                for size in range(min(6, len(run) - i), 2, -1):
                    window = run[i : i + size]
                    if window in self.vocabulary or self.segmenter.has_word(window):
                        continue
                    term = self._lookup_homophone(window)
                    if term and term in self.vocabulary:
                        corrections.append((window, term))
                        out.append(term)
                        i += size
                        replaced = True
                        break
                if not replaced:
                    out.append(run[i])
                    i += 1
            return "".join(out)

        return _CJK_RUN_RE.sub(lambda m: fix(m.group(0)), text)

    def _correct_unknown_runs(self, tokens: list[str], corrections: list[tuple[str, str]]) -> list[str]:
        """Fix 2-character homophone typos inside tokens that are not words (申情 → 申请)."""
        out: list[str] = []
        run: list[str] = []

        def flush() -> None:
            if not run:
                return
            chars = "".join(run)
            fixed = self._fix_run(chars)
            if fixed != chars:
                corrections.append((chars, fixed))
                out.extend(self.segmenter.cut(fixed))
            else:
                out.extend(run)
            run.clear()

        for token in tokens:
            unknown = (
                is_cjk(token)
                and token not in STOPWORDS
                and token not in self.vocabulary
                and (len(token) == 1 or not self.segmenter.has_word(token))
            )
            if unknown:
                run.append(token)
            else:
                flush()
                out.append(token)
        flush()
        return out

    def _fix_run(self, chars: str) -> str:
        if len(chars) < 2:
            return chars
        out: list[str] = []
        i = 0
        while i < len(chars):
            window = chars[i : i + 2]
            term = self._lookup_homophone(window) if len(window) == 2 else None
            if term:
                out.append(term)
                i += 2
            else:
                out.append(chars[i])
                i += 1
        return "".join(out)

    # -- suggestions -------------------------------------------------------------------------------

    @staticmethod
    def suggestion_keys(text: str) -> tuple[str, str, str]:
        """The three keys a completion matches on: the text, its full pinyin and its initials."""
        norm = normalize(text)
        full, initials = pinyin_keys(norm) if _CJK_RE.search(norm) else ("", "")
        return norm, full, initials


# ---------------------------------------------------------------------------------------------
# Highlighting


def match_spans(text: str, terms: Sequence[str], folded: str | None = None) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, term)`` matches of *terms* in *text*, longest terms first.

    *folded* is :func:`fold_same_length` of *text* when the caller already has it.
    """
    if folded is None:
        folded = _fold_same_length(text)
    spans: list[tuple[int, int, str]] = []
    taken = [False] * len(text)
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = folded.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]):
                spans.append((start, end, term))
                for i in range(start, end):
                    taken[i] = True
            start = folded.find(term, end)
    spans.sort()
    return spans


def highlight(
    text: str,
    terms: Sequence[str],
    *,
    max_chars: int = 96,
    pre_tag: str = "<mark>",
    post_tag: str = "</mark>",
    folded: str | None = None,
) -> tuple[str, int]:
    """HTML-escaped excerpt of *text* around the densest cluster of *terms*, with them marked.

    Returns the excerpt and how many distinct terms it shows (0 means nothing matched and the
    excerpt is simply the beginning of the text).
    """
    if not text:
        return "", 0
    spans = match_spans(text, terms, folded)
    if not spans:
        excerpt = text[:max_chars]
        return html.escape(excerpt) + ("…" if len(text) > max_chars else ""), 0

    best_start, best_score = 0, -1
    for first, _end, _term in spans:
        window_start = max(0, first - 12)
        window_end = window_start + max_chars
        inside = {term for s, e, term in spans if s >= window_start and e <= window_end}
        score = sum(len(t) for t in inside)
        if score > best_score:
            best_start, best_score = window_start, score
    window_end = min(len(text), best_start + max_chars)
    if window_end - best_start < max_chars:
        best_start = max(0, window_end - max_chars)
    pieces: list[str] = ["…"] if best_start > 0 else []
    cursor = best_start
    shown: set[str] = set()
    for start, end, term in spans:
        if start < best_start or end > window_end:
            continue
        pieces.append(html.escape(text[cursor:start]))
        pieces.append(f"{pre_tag}{html.escape(text[start:end])}{post_tag}")
        shown.add(term)
        cursor = end
    pieces.append(html.escape(text[cursor:window_end]))
    if window_end < len(text):
        pieces.append("…")
    return "".join(pieces), len(shown)


def needs_folding(text: str) -> bool:
    """Whether :func:`fold_same_length` does more than lowercase *text* (traditional or full-width characters)."""
    return not (
        _traditional_chars().isdisjoint(text) and not _FULL_WIDTH_RE.search(text) and len(text.lower()) == len(text)
    )


def fold_same_length(text: str, plain: bool = False) -> str:
    """Lowercase, width-folded and simplified copy of *text* with the same length (for offsets).

    *plain* says the caller knows ``needs_folding(text)`` is false, which skips the check.
    """
    return text.lower() if plain else _fold_same_length(text)


def _fold_same_length(text: str) -> str:
    trad = _traditional_chars()
    if trad.isdisjoint(text) and not _FULL_WIDTH_RE.search(text):
        lowered = text.lower()
        if len(lowered) == len(text):
            return lowered
    out: list[str] = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch).lower()
        if len(folded) != 1:
            folded = ch
        if folded in trad:
            converted = _t2s().convert(folded)
            folded = converted if len(converted) == 1 else folded
        out.append(folded)
    return "".join(out)
