"""Domain errors of the case lifecycle: a stable ``code`` for programs and a Chinese message for people.

Views show ``message``; the GraphQL layer maps ``code`` and ``field`` onto its typed errors. Every
code is a member of an enum in ``cases.error_codes``; an unknown one is a programming error.
"""

from __future__ import annotations

from dataclasses import dataclass

from .error_codes import KNOWN_CODES


def _known(code: str) -> str:
    if code not in KNOWN_CODES:
        raise ValueError(f"错误代码 {code!r} 未登记：请先加入 cases.error_codes 中的枚举。")
    return code


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message: str

    def __post_init__(self) -> None:
        _known(self.code)


class CaseError(Exception):
    """Base class: everything a caller can show to the user who tried the action."""

    code = "case_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = _known(code)
        self.field = field

    def __str__(self) -> str:
        return self.message


class CaseValidationError(CaseError):
    """The submitted data is wrong; ``problems`` lists each field with what to fix."""

    code = "invalid"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        first = problems[0] if problems else FieldProblem("", "invalid", "提交的数据有误。")
        super().__init__("；".join(p.message for p in problems) or first.message, field=first.field)


class CasePermissionDenied(CaseError):
    code = "permission_denied"


class InvalidTransition(CaseError):
    """The case (or assignment) is not in a state that allows the action; nothing was changed."""

    code = "invalid_transition"


class AlreadyAcknowledged(InvalidTransition):
    code = "already_acknowledged"


class CaseNotFound(CaseError):
    code = "not_found"
