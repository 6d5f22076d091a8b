"""The two error channels of the API (Saleor's contract).

* What the caller can fix in a mutation's input comes back in the payload's ``errors`` list:
  ``{field, message, code}`` with one code enum per mutation (see :func:`error_type`).
* Everything else is a top-level GraphQL error whose ``extensions.code`` is one of
  :class:`ApiErrorCode`: a missing permission, a bad key, a limit, an unexpected failure.
"""

from __future__ import annotations

import enum
from typing import Any

import graphene
from graphql import GraphQLError


class ApiErrorCode(enum.StrEnum):
    """Stable ``extensions.code`` values of top-level errors."""

    BAD_REQUEST = "BAD_REQUEST"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    INVALID_API_KEY = "INVALID_API_KEY"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class ApiError(GraphQLError):
    """A top-level error with a stable code and a message the caller can act on."""

    def __init__(self, code: ApiErrorCode, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": str(code), **extensions})
        self.code = code


class PermissionDenied(ApiError):
    def __init__(self, message: str = "当前密钥没有执行此操作的权限。", **extensions: Any) -> None:
        super().__init__(ApiErrorCode.PERMISSION_DENIED, message, **extensions)


class InvalidArgument(ApiError):
    def __init__(self, argument: str, message: str) -> None:
        super().__init__(ApiErrorCode.INVALID_ARGUMENT, message, argument=argument)


class RateLimited(ApiError):
    def __init__(self, retry_after: int, message: str = "请求过于频繁，请稍后再试。") -> None:
        super().__init__(ApiErrorCode.RATE_LIMITED, message, retryAfter=retry_after)
        self.retry_after = retry_after


def error_type(name: str, code_enum: type[graphene.Enum], description: str) -> type[graphene.ObjectType]:
    """A Saleor-style error type ``{field, message, code}`` bound to one mutation's code enum."""

    return type(
        name,
        (graphene.ObjectType,),
        {
            "Meta": type("Meta", (), {"description": description}),
            "field": graphene.String(description="出错的输入字段（camelCase 名称）；与具体字段无关时为 null。"),
            "message": graphene.String(required=True, description="给调用方和居民看的中文说明。"),
            "code": graphene.Field(code_enum, required=True, description="稳定的错误代码。"),
        },
    )
