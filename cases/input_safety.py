"""Checks every channel applies to what outsiders send: characters a text may hold, and how far back
or ahead a stated receipt time may lie.

One module so the portal, the admin, the GraphQL API and the service functions refuse the same
input with the same code; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .error_codes import CaseErrorCode, SubmissionErrorCode
from .errors import CaseValidationError, FieldProblem

# Registered in both vocabularies (``cases.error_codes``): every channel and every action refuses such text.
INVALID_CHARACTERS = CaseErrorCode.INVALID_CHARACTERS.value
IN_FUTURE = SubmissionErrorCode.IN_FUTURE.value
OUT_OF_RANGE = SubmissionErrorCode.OUT_OF_RANGE.value

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls; UTF-16 surrogates
# (a lone one cannot be stored or encoded as UTF-8); the noncharacters U+FFFE and U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

DEFAULT_MAX_AGE_DAYS = 7
DEFAULT_MAX_AHEAD_MINUTES = 5


def has_forbidden_characters(value: str) -> bool:
    """True when ``value`` holds NUL, another control character or a lone surrogate."""
    return bool(_FORBIDDEN.search(value))


def text_problem(value: Any, field: str, label: str) -> FieldProblem | None:
    """The field problem for a text that holds characters no channel accepts, else ``None``."""
    if isinstance(value, str) and has_forbidden_characters(value):
        return FieldProblem(field, INVALID_CHARACTERS, f"{label}含有无法保存的控制字符或无效字符，请删除后重试。")
    return None


def forbidden_paths(value: Any, path: str = "") -> Iterator[str]:
    """Dotted paths of every string inside nested mappings and lists that holds forbidden characters
    (the GraphQL layer checks a whole mutation input with it)."""
    if isinstance(value, str):
        if has_forbidden_characters(value):
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from forbidden_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for index, item in enumerate(value):
            yield from forbidden_paths(item, f"{path}.{index}" if path else str(index))


def received_at_problem(
    received_at: datetime,
    now: datetime,
    *,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    max_ahead_minutes: int = DEFAULT_MAX_AHEAD_MINUTES,
    field: str = "received_at",
) -> FieldProblem | None:
    """A stated receipt time outside the district's window (``HandlingPolicy``), else ``None``.

    A time far in the past would start the case overdue (escalated, carded, supervised at once)
    and years before 1 AD cannot even be shown; a time ahead would postpone every deadline.
    """
    try:
        earliest = now - timedelta(days=max_age_days)
        latest = now + timedelta(minutes=max_ahead_minutes)
        too_early, too_late = received_at < earliest, received_at > latest
    except OverflowError:
        too_early, too_late = received_at.year < now.year, received_at.year > now.year
    if too_late:
        return FieldProblem(field, IN_FUTURE, f"受理时间不能晚于当前时间{max_ahead_minutes}分钟以上。")
    if too_early:
        return FieldProblem(field, OUT_OF_RANGE, f"受理时间不能早于{max_age_days}天前；更早的诉求请按新受理录入。")
    return None


@dataclass(frozen=True)
class ReceiptWindow:
    max_age_days: int
    max_ahead_minutes: int


def received_at_window(policy: Any) -> ReceiptWindow:
    """The window of ``received_at_problem`` as the district configured it (``cms.HandlingPolicy``)."""
    return ReceiptWindow(policy.received_at_max_age_days, policy.received_at_max_ahead_minutes)


def check_texts(*fields: tuple[str, str, Any]) -> None:
    """Raise ``CaseValidationError`` for every ``(field, label, value)`` whose text no channel accepts."""
    problems = [p for p in (text_problem(value, field, label) for field, label, value in fields) if p]
    if problems:
        raise CaseValidationError(problems)
