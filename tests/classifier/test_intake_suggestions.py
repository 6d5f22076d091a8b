"""The hotline intake's hints come from the same understanding routing uses, classifier included."""

import pytest

from intake import suggestions


@pytest.fixture
def with_classifier(monkeypatch, smart):
    monkeypatch.setattr(suggestions, "live_config", lambda: smart)
    return smart


def test_suggestions_without_keywords_come_from_the_classifier(with_classifier):
    found = suggestions.suggest_categories("家里暖气一点都不热，屋里才十二度")
    assert found, "the classifier suggests even where no keyword fires"
    assert found[0].code == "cat-heat-cold"
    assert 0 < found[0].confidence <= 1
    assert [s.confidence for s in found] == sorted((s.confidence for s in found), reverse=True)
    assert len(found) <= 3


def test_a_hypothetical_danger_gives_no_urgency_hint(with_classifier):
    assert suggestions.urgency_hint("楼道里堆满了纸箱，担心万一起火了怎么办").urgent is False


def test_danger_happening_now_gives_an_urgency_hint(with_classifier):
    hint = suggestions.urgency_hint("楼道里现在有很浓的煤气味，味道越来越大")
    assert hint.urgent is True
    assert hint.cues
