"""Who is calling and what they may do: the client attached to each request, and scope checks.

A request carries at most one partner key (``Authorization: Bearer <prefix>.<secret>``). A
request without a key gets the scopes in ``GRAPHQL_ANONYMOUS_SCOPES``; a key gets the scopes
ticked for it in the admin, whatever the anonymous ones are.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api.conf import api_setting

from .errors import PermissionDenied

if TYPE_CHECKING:
    from api.models import PartnerKey


class Scope(enum.StrEnum):
    READ_CONTENT = "read_content"
    SUBMIT_CASES = "submit_cases"
    ACT_FOR_DEPARTMENT = "act_for_department"  # granted per department, never as a plain flag


SCOPE_LABELS = {
    Scope.READ_CONTENT: "读取公开内容",
    Scope.SUBMIT_CASES: "提交诉求",
    Scope.ACT_FOR_DEPARTMENT: "代表部门办理",
}


@dataclass
class ApiClient:
    """The caller of one request: a partner key or an anonymous address."""

    ip: str
    key: PartnerKey | None = None
    scopes: frozenset[str] = frozenset()
    _department_codes: frozenset[str] | None = field(default=None, repr=False)

    @property
    def identity(self) -> str:
        return f"key:{self.key.pk}" if self.key else f"ip:{self.ip}"

    def has_scope(self, scope: Scope) -> bool:
        return str(scope) in self.scopes

    def department_codes(self) -> frozenset[str]:
        """Codes of the departments this key may act for (one query, then remembered)."""
        if self._department_codes is None:
            self._department_codes = self.key.department_codes() if self.key else frozenset()
        return self._department_codes

    def can_act_for(self, department_code: str) -> bool:
        return department_code in self.department_codes()


def get_client(info: Any) -> ApiClient:
    """The client of the request behind ``info`` (set by the view; anonymous if absent)."""
    client = getattr(info.context, "api_client", None)
    if client is None:
        client = ApiClient(ip="", scopes=frozenset(api_setting("GRAPHQL_ANONYMOUS_SCOPES")))
    return client


def check_scope(info: Any, scope: Scope) -> ApiClient:
    client = get_client(info)
    if not client.has_scope(scope):
        raise PermissionDenied(
            f"需要“{SCOPE_LABELS[scope]}”权限（{scope}）；请使用具有该权限的合作方密钥。",
            requiredScope=str(scope),
        )
    return client


def check_department(info: Any, department_code: str) -> ApiClient:
    """The key must list this department among those it may act for."""
    client = get_client(info)
    if not client.can_act_for(department_code):
        raise PermissionDenied(
            f"当前密钥不能代表部门 {department_code} 办理。",
            requiredScope=str(Scope.ACT_FOR_DEPARTMENT),
            department=department_code,
        )
    return client


Resolver = Callable[..., Any]


def require_department(argument: str) -> Callable[[Resolver], Resolver]:
    """Decorate a resolver so it refuses a client that may not act for the department in ``argument``."""

    def decorator(resolver: Resolver) -> Resolver:
        @functools.wraps(resolver)
        def wrapper(root: Any, info: Any, **kwargs: Any) -> Any:
            check_department(info, kwargs[argument])
            return resolver(root, info, **kwargs)

        setattr(wrapper, "required_department_argument", argument)  # read by the permission tests  # noqa: B010
        return wrapper

    return decorator


def require_scope(scope: Scope) -> Callable[[Resolver], Resolver]:
    """Decorate a resolver ``(root, info, **kwargs)`` so it refuses a client without ``scope``."""

    def decorator(resolver: Resolver) -> Resolver:
        @functools.wraps(resolver)
        def wrapper(root: Any, info: Any, **kwargs: Any) -> Any:
            check_scope(info, scope)
            return resolver(root, info, **kwargs)

        setattr(wrapper, "required_scope", scope)  # read by the permission tests  # noqa: B010
        return wrapper

    return decorator
