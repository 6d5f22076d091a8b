"""Every error code the case domain raises is a member of its enum, and the API exports the enums."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

import cases
from api.cases import mutations
from cases.error_codes import CaseErrorCode, SubmissionErrorCode
from cases.errors import CaseError, CaseValidationError, FieldProblem, InvalidTransition
from cases.input_safety import check_texts, received_at_problem

CASES_DIR = Path(cases.__file__).parent
SUBMISSION_MODULES = {"submission.py", "photos.py"}


def _domain_errors() -> set[str]:
    found, todo = set(), [CaseError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def raised_codes() -> dict[str, set[str]]:
    """Literal codes by module: ``code=`` of domain errors, ``FieldProblem``/``problem`` and
    ``PhotoRejected`` arguments, and the ``code`` class attributes of the error classes."""
    errors = _domain_errors()
    by_module: dict[str, set[str]] = {}
    for path in CASES_DIR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        codes = by_module.setdefault(str(path.relative_to(CASES_DIR)), set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if name in errors:
                    codes |= {
                        k.value.value for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)
                    }
                elif name in ("FieldProblem", "problem") and len(node.args) >= 2:
                    if isinstance(node.args[1], ast.Constant):
                        codes.add(node.args[1].value)
                elif name == "PhotoRejected" and args:
                    codes.add(args[0])
            elif isinstance(node, ast.ClassDef) and node.name in errors:
                for item in node.body:
                    if isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "code" for t in item.targets):
                        codes.add(item.value.value)
    return by_module


def test_the_scan_finds_the_codes_it_should():
    codes = raised_codes()
    assert {"invalid_type", "invalid_datetime", "invalid_phone"} <= codes["submission.py"]
    assert {"extension_too_late", "extension_cap_reached"} <= codes["actions/handling.py"]
    assert {"photo_empty", "photo_type", "photo_too_large"} <= codes["photos.py"]
    assert {"case_error", "invalid", "permission_denied", "not_found", "already_acknowledged"} <= codes["errors.py"]


def test_every_code_the_domain_raises_is_in_its_enum():
    unknown = {}
    for module, codes in raised_codes().items():
        enum = SubmissionErrorCode if module in SUBMISSION_MODULES else CaseErrorCode
        missing = codes - {member.value for member in enum}
        if missing:
            unknown[module] = missing
    assert unknown == {}


def test_an_unregistered_code_is_refused_where_it_is_raised():
    with pytest.raises(ValueError, match="未登记"):
        FieldProblem("text", "made_up", "……")
    with pytest.raises(ValueError, match="未登记"):
        InvalidTransition("……", code="made_up")
    assert CaseValidationError([FieldProblem("text", "too_long", "太长")]).problems[0].code == "too_long"


@pytest.mark.parametrize(
    ("graphene_enum", "domain_enum"),
    [
        (mutations.SubmitCaseErrorCode, SubmissionErrorCode),
        (mutations.RateCaseErrorCode, CaseErrorCode),
        (mutations.CaseActionErrorCode, CaseErrorCode),
    ],
)
def test_the_api_enums_are_the_domain_enums(graphene_enum, domain_enum):
    assert graphene_enum._meta.enum is domain_enum
    assert all(member.description for member in domain_enum)


def test_every_mutation_uses_a_domain_enum():
    from api.core.mutations import ApiMutation

    def all_mutations(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_mutations(sub)

    enums = {m.error_codes._meta.enum for m in all_mutations(ApiMutation) if hasattr(m, "error_codes")}
    assert enums == {SubmissionErrorCode, CaseErrorCode}


def test_the_input_safety_codes_are_registered_where_they_are_raised():
    """Unstorable text is refused on intake and on every action; the receipt window only on intake."""
    assert "invalid_characters" in set(SubmissionErrorCode) & set(CaseErrorCode)
    assert {"in_future", "out_of_range"} <= set(SubmissionErrorCode)
    with pytest.raises(CaseValidationError) as refused:
        check_texts(("note", "说明", "a\x00b"))
    assert refused.value.problems[0].code == "invalid_characters"
    now = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    assert received_at_problem(datetime(2020, 1, 1, tzinfo=UTC), now).code == "out_of_range"
