"""The artefact is plain data with a content hash, and lean inference equals scikit-learn's."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from classifier.model import ArtefactError, TextModel, content_hash, pack
from classifier.text import normalize, tokens
from classifier.training import CategoryDescription, LabelledText, category_documents, train

CATEGORIES = [
    CategoryDescription("cat-a", "暖气不热", "供热", ("暖气不热",)),
    CategoryDescription("cat-b", "燃气泄漏", "燃气", ("煤气味",), ("燃气泄漏",)),
    CategoryDescription("cat-c", "路灯照明", "道路", ("路灯不亮",)),
]
EXAMPLES = [
    LabelledText("家里暖气温吞吞的，屋里才十五度", "cat-a"),
    LabelledText("暖气片冰凉，孩子冻感冒了", "cat-a"),
    LabelledText("楼道里一股臭鸡蛋味，快来人", "cat-b", urgent=True),
    LabelledText("灶台后面管子有味，不敢开灯", "cat-b", urgent=True),
    LabelledText("巷子里晚上黑灯瞎火，灯坏了", "cat-c"),
    LabelledText("小区门口那盏灯一直不亮", "cat-c"),
]


@pytest.fixture(scope="module")
def small():
    return train(EXAMPLES, CATEGORIES)


def test_category_scores_equal_scikit_learn_decision_function(small):
    model = small.load()
    docs = category_documents(sorted(CATEGORIES, key=lambda c: c.code))
    texts = sorted(e.text for e in EXAMPLES)
    by_text = {e.text: e.category for e in EXAMPLES}
    vec = TfidfVectorizer(analyzer=lambda t: tokens(normalize(t)), sublinear_tf=True, lowercase=False)
    x = vec.fit_transform(texts + [d for d, _ in docs])
    svm = LinearSVC(C=1.0, random_state=0).fit(x, [by_text[t] for t in texts] + [c for _, c in docs])
    probe = "楼下路灯坏了好几天，晚上暖气也不热"
    expected = svm.decision_function(vec.transform([probe]))[0]
    got = model.read(probe).scores
    assert list(model.classes) == list(svm.classes_)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_training_is_deterministic_and_the_hash_names_the_content(small):
    again = train(list(reversed(EXAMPLES)), list(reversed(CATEGORIES)))
    assert again.sha256 == small.sha256
    assert TextModel(again.artefact).sha256 == small.sha256


def test_an_artefact_holding_python_objects_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array([{"format": "request-classifier/1"}], dtype=object))
    with pytest.raises(ArtefactError):
        TextModel(buffer.getvalue())


def test_an_unknown_format_is_refused():
    data = pack({"format": "something-else/9"}, {})
    with pytest.raises(ArtefactError, match="未知的模型格式"):
        TextModel(data)


def test_content_hash_ignores_zip_metadata_but_not_values():
    header = {"format": "x", "a": 1}
    arrays = {"w": np.arange(3, dtype=np.float32)}
    assert content_hash(header, arrays) == content_hash(
        json.loads(json.dumps(header)), {"w": np.arange(3.0, dtype=np.float32)}
    )
    assert content_hash(header, arrays) != content_hash(header, {"w": np.arange(1, 4, dtype=np.float32)})


def test_explanations_name_the_words_that_pushed_a_category(small):
    model = small.load()
    words = model.explain(model.read("家里暖气一点都不热"), "cat-a")
    assert words and any("暖气" in w or "不热" in w for w in words)
