"""The /graphql/ endpoint: limits, keys, rate limits and error masking around graphql-core.

Whatever a client sends, the answer is JSON with GraphQL ``errors`` (and a 4xx status when the
request itself is wrong); an unexpected failure is logged and shown only as INTERNAL_ERROR.
GraphiQL is served while DEBUG is on.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)

from api.auth import InvalidKey, authenticate
from api.conf import api_setting
from api.core.errors import ApiErrorCode
from api.core.execution import ApiExecutionContext
from api.core.permissions import ApiClient
from api.core.validation import limit_rules, limit_settings, reject_unstorable_text
from traffic import ratelimit
from traffic.clients import client_ip

logger = logging.getLogger("api.graphql")

INTERNAL_MESSAGE = "服务器内部错误，请稍后重试。"
_SUGGESTION = re.compile(r"\s*Did you mean .*\?$", re.DOTALL)


def _never_awaitable(value: Any) -> bool:
    """The view is synchronous and so are all resolvers; skipping graphql-core's check per field
    saves about a tenth of a list query's time."""
    return False


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str) -> tuple[str, bool]:
    """(media type of the answer, whether request errors keep 200) per GraphQL over HTTP.

    ``application/graphql-response+json`` when the client prefers it; ``application/json``
    otherwise. A client that names ``application/json`` itself is a legacy client and gets 200 for
    a document it sent that fails to parse or validate, as the spec asks; without a preference
    (no Accept, ``*/*``) the status says what went wrong (400), which is what people with curl expect.
    """
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON, False
        if media == JSON:
            return JSON, True
    return JSON, False


class RequestError(Exception):
    """The HTTP request as a whole is refused; becomes one top-level error."""

    def __init__(self, status: int, code: ApiErrorCode, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


@functools.lru_cache(maxsize=512)
def _parse(query: str, max_tokens: int) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    try:
        return parse(query, max_lexical_tokens=max_tokens, max_comments=max_tokens), ()
    except GraphQLError as error:
        return None, (error,)


@functools.lru_cache(maxsize=512)
def _standard_errors(schema: Any, query: str, max_tokens: int) -> tuple[GraphQLError, ...]:
    """The standard rules ignore variables, so each distinct document is validated once."""
    document, _ = _parse(query, max_tokens)
    assert document is not None  # only documents that parsed are validated
    return tuple(validate(schema, document, specified_rules, max_errors=20))


@functools.lru_cache(maxsize=512)
def _limit_errors(
    schema: Any, query: str, max_tokens: int, page_variables: tuple[tuple[str, int], ...], settings_key: tuple[Any, ...]
) -> tuple[GraphQLError, ...]:
    """The limit rules read only the document, the settings and the integer variables (page sizes),
    so their verdict is kept per document, integer variables and limit settings."""
    document, _ = _parse(query, max_tokens)
    assert document is not None  # only documents that parsed are validated
    return tuple(validate(schema, document, limit_rules(dict(page_variables))))


class ApiGraphQLView(GraphQLView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return self.handle(request)
        except RequestError as error:
            return self.error_response(error, request)
        except Exception:
            logger.exception("GraphQL request failed")
            return self.error_response(RequestError(500, ApiErrorCode.INTERNAL_ERROR, INTERNAL_MESSAGE), request)

    def handle(self, request: HttpRequest) -> HttpResponse:
        media_type, legacy_status = negotiate(request.META.get("HTTP_ACCEPT", ""))
        request.graphql_media_type = media_type  # type: ignore[attr-defined]  # read by error_response
        request.graphql_legacy_status = legacy_status  # type: ignore[attr-defined]
        if request.method not in ("GET", "POST"):
            raise RequestError(
                405, ApiErrorCode.METHOD_NOT_ALLOWED, "GraphQL 只接受 GET 和 POST。", {"Allow": "GET, POST"}
            )
        if self.graphiql and request.method == "GET" and "raw" not in request.GET and self.request_wants_html(request):
            page: HttpResponse = super().dispatch(request)  # graphene-django is untyped
            return page

        body = self.read_body(request)
        try:
            client = authenticate(request)
        except InvalidKey as error:
            # Bad keys count against the address's anonymous allowance, so guessing costs as much as asking.
            self.rate_limit(ApiClient(ip=client_ip(request)), 1)
            raise RequestError(401, ApiErrorCode.INVALID_API_KEY, str(error), {"WWW-Authenticate": "Bearer"}) from None
        operations, batch = self.operations(request, body)
        limit = self.rate_limit(client, len(operations))
        request.api_client = client  # type: ignore[attr-defined]  # read by resolvers as info.context.api_client

        results = [self.run_operation(request, operation) for operation in operations]
        if batch:
            payload: Any = [result for result, _ in results]
            status = 200
        else:
            payload, status = results[0]
        response = self.json_response(payload, status, request)
        response["X-RateLimit-Limit"] = str(limit.limit)
        response["X-RateLimit-Remaining"] = str(limit.remaining)
        return response

    # -- the request -------------------------------------------------------------------------

    def read_body(self, request: HttpRequest) -> bytes:
        maximum = api_setting("GRAPHQL_MAX_BODY_BYTES")
        too_large = RequestError(413, ApiErrorCode.REQUEST_TOO_LARGE, f"请求体超过 {maximum} 字节。")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise RequestError(400, ApiErrorCode.BAD_REQUEST, "Content-Length 无效。") from None
        if declared > maximum:
            raise too_large
        try:
            body = request.body
        except RequestDataTooBig:
            raise too_large from None
        if len(body) > maximum:
            raise too_large
        return body

    def operations(self, request: HttpRequest, body: bytes) -> tuple[list[dict[str, Any]], bool]:
        if request.method == "GET":
            return [
                {
                    "query": request.GET.get("query"),
                    "variables": request.GET.get("variables"),
                    "operationName": request.GET.get("operationName"),
                }
            ], False
        content_type = self.get_content_type(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError(400, ApiErrorCode.BAD_REQUEST, "请求体必须是 UTF-8 编码。") from None
        if content_type == "application/graphql":
            return [{"query": text}], False
        if content_type != "application/json":
            raise RequestError(
                400, ApiErrorCode.BAD_REQUEST, "Content-Type 应为 application/json 或 application/graphql。"
            )
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise RequestError(400, ApiErrorCode.BAD_REQUEST, "请求体不是有效的 JSON。") from None
        if isinstance(data, dict):
            return [data], False
        if isinstance(data, list):
            maximum = api_setting("GRAPHQL_MAX_BATCH")
            if not data:
                raise RequestError(400, ApiErrorCode.BAD_REQUEST, "批量请求不能为空列表。")
            if len(data) > maximum:
                raise RequestError(
                    400, ApiErrorCode.BATCH_TOO_LARGE, f"一次批量请求最多 {maximum} 个操作，收到 {len(data)} 个。"
                )
            if not all(isinstance(item, dict) for item in data):
                raise RequestError(400, ApiErrorCode.BAD_REQUEST, "批量请求的每一项都必须是 JSON 对象。")
            return data, True
        raise RequestError(400, ApiErrorCode.BAD_REQUEST, "请求体应为 JSON 对象或对象列表。")

    def rate_limit(self, client: ApiClient, cost: int) -> ratelimit.Outcome:
        if client.key is not None:
            rate = ratelimit.Rate(client.key.rate_limit_per_minute, 60)
        else:
            rate = ratelimit.Rate.parse(api_setting("GRAPHQL_ANONYMOUS_RATE_LIMIT"))
        outcome = ratelimit.hit(f"graphql:{client.identity}", rate, cost)
        if not outcome.allowed:
            raise RequestError(
                429,
                ApiErrorCode.RATE_LIMITED,
                f"请求过于频繁（上限 {rate.limit} 次/{rate.period} 秒），请 {outcome.retry_after} 秒后再试。",
                {"Retry-After": str(outcome.retry_after)},
            )
        return outcome

    # -- one operation -----------------------------------------------------------------------

    def run_operation(self, request: HttpRequest, operation: dict[str, Any]) -> tuple[dict[str, Any], int]:
        try:
            return self._run_operation(request, operation)
        except RequestError as error:
            return {"errors": [self.request_error(error)]}, error.status

    def _run_operation(self, request: HttpRequest, operation: dict[str, Any]) -> tuple[dict[str, Any], int]:
        query = operation.get("query")
        variables = operation.get("variables")
        operation_name = operation.get("operationName")
        extensions = operation.get("extensions")
        if extensions is not None and not isinstance(extensions, dict):
            raise RequestError(400, ApiErrorCode.BAD_REQUEST, "extensions 必须是 JSON 对象。")
        if not isinstance(query, str) or not query.strip():
            raise RequestError(400, ApiErrorCode.BAD_REQUEST, "请提供 GraphQL 查询（query）。")
        if len(query) > api_setting("GRAPHQL_MAX_QUERY_CHARS"):
            raise RequestError(413, ApiErrorCode.REQUEST_TOO_LARGE, "查询文本过长。")
        if isinstance(variables, str):
            try:
                variables = json.loads(variables) if variables.strip() else None
            except (ValueError, RecursionError):
                raise RequestError(400, ApiErrorCode.BAD_REQUEST, "variables 不是有效的 JSON。") from None
        if variables is not None and not isinstance(variables, dict):
            raise RequestError(400, ApiErrorCode.BAD_REQUEST, "variables 必须是 JSON 对象。")
        if operation_name is not None and not isinstance(operation_name, str):
            raise RequestError(400, ApiErrorCode.BAD_REQUEST, "operationName 必须是字符串。")
        operation_name = operation_name or None

        schema = self.schema.graphql_schema
        max_tokens = api_setting("GRAPHQL_MAX_TOKENS")
        document, parse_errors = _parse(query, max_tokens)
        if document is None:
            return self.errors_only(parse_errors, ApiErrorCode.PARSE_FAILED), self.request_error_status(request)
        ast = get_operation_ast(document, operation_name)
        if request.method == "GET" and ast is not None and ast.operation != OperationType.QUERY:
            raise RequestError(
                405, ApiErrorCode.METHOD_NOT_ALLOWED, "变更（mutation）只能用 POST 提交。", {"Allow": "POST"}
            )
        page_variables = tuple(sorted((name, value) for name, value in (variables or {}).items() if type(value) is int))
        errors = _limit_errors(schema, query, max_tokens, page_variables, limit_settings()) or _standard_errors(
            schema, query, max_tokens
        )
        if errors:
            return self.errors_only(errors, ApiErrorCode.VALIDATION_FAILED), self.request_error_status(request)

        result = execute(
            schema,
            document,
            context_value=request,
            variable_values=variables,
            operation_name=operation_name,
            middleware=[reject_unstorable_text, *(self.get_middleware(request) or [])],
            is_awaitable=_never_awaitable,
            execution_context_class=ApiExecutionContext,
        )
        assert isinstance(result, ExecutionResult)  # is_awaitable=_never_awaitable: never a coroutine
        response: dict[str, Any] = {}
        status = 200
        if result.errors:
            response["errors"] = [self.format_graphql_error(e, None) for e in result.errors]
            if result.data is None and any(_is_internal(e) for e in result.errors):
                status = 500  # nothing was answered, and the fault is ours
            elif any(not e.path for e in result.errors):
                # A request error (e.g. variable coercion): no data entry, per the GraphQL spec.
                return response, self.request_error_status(request)
        response["data"] = result.data
        return response, status

    @staticmethod
    def request_error_status(request: HttpRequest) -> int:
        """400 for a document that does not parse, validate or coerce; 200 for legacy clients."""
        return 200 if getattr(request, "graphql_legacy_status", False) else 400

    # -- output ------------------------------------------------------------------------------

    def errors_only(self, errors: Any, default_code: ApiErrorCode) -> dict[str, Any]:
        return {"errors": [self.format_graphql_error(e, default_code) for e in errors]}

    @staticmethod
    def format_graphql_error(error: GraphQLError, default_code: ApiErrorCode | None) -> dict[str, Any]:
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            logger.error("Unhandled error in GraphQL resolver at %s", error.path, exc_info=original)
            masked: dict[str, Any] = {
                "message": INTERNAL_MESSAGE,
                "extensions": {"code": str(ApiErrorCode.INTERNAL_ERROR)},
            }
            if error.path:
                masked["path"] = error.path
            return masked
        formatted: dict[str, Any] = {**error.formatted}
        extensions = dict(formatted.get("extensions") or {})
        if default_code is None:
            default_code = ApiErrorCode.INTERNAL_ERROR if error.path else ApiErrorCode.BAD_REQUEST
        extensions.setdefault("code", str(default_code))
        formatted["extensions"] = extensions
        if not api_setting("GRAPHQL_INTROSPECTION"):
            formatted["message"] = _SUGGESTION.sub("", formatted["message"])
        return formatted

    def request_error(self, error: RequestError) -> dict[str, Any]:
        return {"message": error.message, "extensions": {"code": str(error.code)}}

    def error_response(self, error: RequestError, request: HttpRequest | None = None) -> HttpResponse:
        response = self.json_response({"errors": [self.request_error(error)]}, error.status, request)
        for name, value in error.headers.items():
            response[name] = value
        return response

    @staticmethod
    def json_response(payload: Any, status: int, request: HttpRequest | None = None) -> HttpResponse:
        # A lone surrogate echoed from the input (e.g. in a validation message) becomes a JSON
        # escape rather than an encoding failure.
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")
        return HttpResponse(
            body,
            status=status,
            content_type=f"{getattr(request, 'graphql_media_type', JSON)}; charset=utf-8",
        )


def _is_internal(error: GraphQLError) -> bool:
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


_views: dict[bool, Any] = {}


def _view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    debug = bool(settings.DEBUG)
    if debug not in _views:
        _views[debug] = ApiGraphQLView.as_view(graphiql=debug)
    response: HttpResponse = _views[debug](request, *args, **kwargs)
    return response


graphql_view = csrf_exempt(_view)
