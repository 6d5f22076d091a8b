"""Saleor's mutation pattern: permissions declared on the class, user-fixable problems returned in
``errors`` (one error type per mutation), everything else raised as a top-level error."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import graphene
from graphene.utils.str_converters import to_camel_case

from cases.input_safety import INVALID_CHARACTERS, forbidden_paths

from .permissions import Scope, check_scope

logger = logging.getLogger(__name__)


class FieldError(Exception):
    """A problem the caller can fix, bound for the payload's ``errors`` list."""

    def __init__(self, field: str | None, message: str, code: str) -> None:
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


class FieldErrors(Exception):
    """Several fixable problems at once (a form shows them all)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class ApiMutation(graphene.Mutation):
    """Subclasses declare ``required_scope`` (checked before anything else) and implement
    ``perform(info, **arguments) -> dict`` of payload fields; raise :class:`FieldError` or
    :class:`FieldErrors` for the ``errors`` list."""

    class Meta:
        abstract = True

    required_scope: ClassVar[Scope | None] = None
    error_codes: ClassVar[type[graphene.Enum]]

    @classmethod
    def check_permissions(cls, info: Any, **arguments: Any) -> None:
        if cls.required_scope is not None:
            check_scope(info, cls.required_scope)

    @classmethod
    def perform(cls, info: Any, *args: Any, **arguments: Any) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root: Any, info: Any, **arguments: Any) -> ApiMutation:
        cls.check_permissions(info, **arguments)
        try:
            cls.check_characters(arguments)
            return cls(errors=[], **cls.perform(info, **arguments))
        except FieldErrors as problems:
            return cls(errors=[cls.error(e) for e in problems.errors])
        except FieldError as problem:
            return cls(errors=[cls.error(problem)])

    @staticmethod
    def check_characters(arguments: dict[str, Any]) -> None:
        """Every text of every mutation passes the same check as the portal and the admin
        (``cases.input_safety``), before anything reaches a service or the database."""
        paths = [".".join(to_camel_case(part) for part in path.split(".")) for path in forbidden_paths(arguments)]
        if paths:
            message = "含有无法保存的控制字符或无效字符（如 NUL、孤立代理项），请删除后重试。"
            raise FieldErrors(
                [FieldError(path.removeprefix("input.") or None, message, INVALID_CHARACTERS) for path in paths]
            )

    @classmethod
    def error(cls, problem: FieldError) -> dict[str, Any]:
        """The payload error; a code missing from the mutation's enum is a bug, logged loudly."""
        known = {member.value for member in cls.error_codes._meta.enum}
        code = problem.code
        if code not in known:
            logger.error("%s: 错误代码 %r 不在 %s 中，按 invalid 返回", cls.__name__, code, cls.error_codes.__name__)
            code = "invalid"
        return {"field": problem.field, "message": problem.message, "code": code}
