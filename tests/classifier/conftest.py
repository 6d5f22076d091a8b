"""A classifier trained once per session from the reference history, and the snapshot that uses it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from classifier.model import TextModel
from classifier.reference import train_from_reference
from classifier.training import TrainedModel
from rules.snapshot import RulesConfig, load_reference

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "jinan"


@pytest.fixture(scope="session")
def trained() -> TrainedModel:
    return train_from_reference(REFERENCE_DIR)


@pytest.fixture(scope="session")
def text_model(trained) -> TextModel:
    return trained.load()


@pytest.fixture(scope="session")
def smart(text_model) -> RulesConfig:
    """The reference snapshot with the classifier, as a live process holds it."""
    config = load_reference(REFERENCE_DIR, version=1)
    return dataclasses.replace(config, text_model=text_model, model_version=f"ref-{text_model.short_hash}")
