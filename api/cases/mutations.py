"""Case mutations: intake (submitCase), the resident's rating (rateCase), and what an assigned
department's system does (acknowledgeAssignment, startCase, addFeedback, resolveCase,
returnAssignment, …). Intake calls ``cases.services.submit_case``; every action on a case goes
through ``cases.actions`` (the same check and workflow as the workbench buttons)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import graphene

from api.content.types import RequestType
from api.core.errors import PermissionDenied, error_type
from api.core.mutations import ApiMutation, FieldError, FieldErrors
from api.core.permissions import Scope, check_department, get_client
from api.core.scalars import DateTime
from api.regions.types import GeoPointInput
from cases import resident, services, tracking
from cases.actions import ACTIONS
from cases.error_codes import CaseErrorCode, SubmissionErrorCode
from cases.errors import CaseError, CaseNotFound, CasePermissionDenied, CaseValidationError
from cases.limits import ADDRESS_MAX, COMMENT_MAX, NAME_MAX, TEXT_MAX, TEXT_MIN
from cases.models import Assignment
from cases.services.lookup import case_queryset
from cms.models import Department

from .actors import department_actor
from .queries import MAX_LOOKUP_CHARS, own_case
from .types import Case, CaseChannel, ReportedCase, SatisfactionEnum

MAX_IDEMPOTENCY_KEY = 100  # of cases.limits.KEY_MAX, the rest is the "<client>:" prefix
RATE_FIELDS = {"satisfaction": "satisfaction", "note": "comment", "comment": "comment"}


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def field_errors(error: CaseError, fields: dict[str, str]) -> FieldError | FieldErrors:
    """A domain error as payload errors, with the service's field names turned into input paths."""
    if isinstance(error, CaseValidationError):
        return FieldErrors(
            [FieldError(fields.get(p.field, p.field) or None, p.message, p.code) for p in error.problems]
        )
    return FieldError(fields.get(error.field or "", None), error.message, error.code)


# --------------------------------------------------------------------------- submitCase


SubmitCaseErrorCode = graphene.Enum.from_enum(
    SubmissionErrorCode, name="SubmitCaseErrorCode", description="提交诉求的错误代码。"
)


SubmitCaseError = error_type("SubmitCaseError", SubmitCaseErrorCode, "提交诉求时可由调用方改正的问题。")

SUBMIT_FIELDS = {
    "type": "type",
    "text": "text",
    "channel": "channel",
    "address": "address",
    "point": "point",
    "reporter_name": "reporter.name",
    "reporter_phone": "reporter.phone",
    "idempotency_key": "idempotencyKey",
    "received_at": "receivedAt",
}


class ReporterInput(graphene.InputObjectType):
    class Meta:
        description = "诉求人（只用于回访和本人查询，不会出现在任何查询结果中）。"

    name = graphene.String(description=f"姓名（至多 {NAME_MAX} 字）。")
    phone = graphene.String(description="联系电话；本人查询工单时需要。")


class SubmitCaseInput(graphene.InputObjectType):
    class Meta:
        description = "一件新诉求。地址和坐标至少提供一个。"

    type = graphene.Field(RequestType, required=True, description="诉求类型。")
    text = graphene.String(required=True, description=f"诉求内容（{TEXT_MIN}–{TEXT_MAX} 字）。")
    address = graphene.String(description=f"门牌地址（至多 {ADDRESS_MAX} 字）。")
    point = graphene.Field(GeoPointInput, description="地图坐标。")
    channel = graphene.Field(CaseChannel, required=True, description="来源渠道。")
    reporter = graphene.Field(ReporterInput, description="诉求人。")
    idempotency_key = graphene.String(
        description=f"幂等键（至多 {MAX_IDEMPOTENCY_KEY} 个可见 ASCII 字符）："
        "同一密钥用同一个键重复提交，返回同一件工单。"
    )
    received_at = DateTime(description="受理时间（热线先受理后录入时填写）；默认为当前时间。")


class SubmitCase(ApiMutation):
    class Meta:
        description = "提交一件诉求：受理、派单并计算时限，返回工单。需要“提交诉求”权限。"

    class Arguments:
        input = SubmitCaseInput(required=True, description="诉求内容。")

    case = graphene.Field(Case, description="受理的工单（有错误时为 null）。")
    created = graphene.Boolean(description="是否新建；幂等键重复时为 false。")
    check_code = graphene.String(
        description="查询码（如 K7QM-3XPA）：请告知诉求人，凭工单号和查询码可随时查询进度，不受他人猜测影响。"
    )
    already_reported = graphene.List(
        graphene.NonNull(ReportedCase),
        required=True,
        description="始终为空列表：不再向调用方透露其他居民的工单。",
        deprecation_reason="会泄露其他居民的工单号；请改用 alreadyReportedResidents。",
    )
    already_reported_residents = graphene.Int(
        required=True, description="已有多少位居民反映过同一问题（用于“已有N位居民反映过同一问题”）。"
    )
    errors = graphene.List(graphene.NonNull(SubmitCaseError), required=True, description="可改正的问题。")

    required_scope = Scope.SUBMIT_CASES
    error_codes = SubmitCaseErrorCode

    @classmethod
    def perform(cls, info: Any, input: Any) -> dict[str, Any]:
        key = input.get("idempotency_key")
        if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
            raise FieldError("idempotencyKey", f"幂等键不能超过{MAX_IDEMPOTENCY_KEY}个字符。", "too_long")
        point = input.get("point")
        reporter = input.get("reporter") or {}
        submission = services.CaseSubmission(
            request_type=_value(input["type"]),
            text=input["text"],
            channel=_value(input["channel"]),
            address=input.get("address") or "",
            point={"lat": point.lat, "lng": point.lng} if point is not None else None,
            reporter_name=reporter.get("name") or "",
            reporter_phone=reporter.get("phone") or "",
            # Keys are per client, so one partner can never fetch another's case by guessing a key.
            idempotency_key=f"{get_client(info).identity}:{key}" if key else None,
            received_at=input.get("received_at"),
            source=get_client(info).identity,
        )
        try:
            result = services.submit_case(submission)
        except CaseError as error:
            raise field_errors(error, SUBMIT_FIELDS) from None
        return {
            "case": case_queryset().get(pk=result.case.pk),
            "created": result.created,
            "check_code": tracking.format_code(result.case.check_code),
            # Only the count leaves: other residents' tickets are theirs (docs/adr/0006).
            "already_reported": [],
            "already_reported_residents": result.residents_reporting,
        }

    @staticmethod
    def resolve_already_reported(root: SubmitCase, info: Any) -> list[Any]:
        return root.already_reported or []

    @staticmethod
    def resolve_already_reported_residents(root: SubmitCase, info: Any) -> int:
        return root.already_reported_residents or 0


# --------------------------------------------------------------------------- rateCase


RateCaseErrorCode = graphene.Enum.from_enum(CaseErrorCode, name="RateCaseErrorCode", description="评价工单的错误代码。")


RateCaseError = error_type("RateCaseError", RateCaseErrorCode, "评价工单时可由诉求人改正的问题。")


class RateCaseInput(graphene.InputObjectType):
    class Meta:
        description = "诉求人对办结结果的评价。"

    ticket_number = graphene.String(required=True, description="工单号。")
    phone = graphene.String(required=True, description="提交诉求时留的联系电话。")
    satisfaction = graphene.Field(SatisfactionEnum, required=True, description="满意度。")
    comment = graphene.String(description=f"意见（至多 {COMMENT_MAX} 字）。")


class RateCase(ApiMutation):
    class Meta:
        description = "诉求人评价已办结的工单（工单号和电话须匹配）。不需要密钥；限频。"

    class Arguments:
        input = RateCaseInput(required=True, description="评价内容。")

    case = graphene.Field(Case, description="评价后的工单。")
    errors = graphene.List(graphene.NonNull(RateCaseError), required=True, description="可改正的问题。")

    error_codes = RateCaseErrorCode

    @classmethod
    def perform(cls, info: Any, input: Any) -> dict[str, Any]:
        ticket, phone = input["ticket_number"], input["phone"]
        not_found = FieldError("ticketNumber", "未找到该工单，请核对工单号和电话。", "not_found")
        if len(ticket) > MAX_LOOKUP_CHARS or len(phone) > MAX_LOOKUP_CHARS:
            raise not_found
        if own_case(info, ticket, phone) is None:
            raise not_found
        try:
            case = resident.rate_case(
                ticket, phone, satisfaction=_value(input["satisfaction"]), comment=input.get("comment") or ""
            )
        except CaseNotFound:
            raise not_found from None
        except CaseError as error:
            raise field_errors(error, RATE_FIELDS) from None
        return {"case": case_queryset().get(pk=case.pk)}


# --------------------------------------------------------------------------- department actions


CaseActionErrorCode = graphene.Enum.from_enum(
    CaseErrorCode, name="CaseActionErrorCode", description="部门办理操作的错误代码。"
)


def _action_input(name: str, description: str, **fields: Any) -> type[graphene.InputObjectType]:
    return type(
        name,
        (graphene.InputObjectType,),
        {
            "Meta": type("Meta", (), {"description": description}),
            "ticket_number": graphene.String(required=True, description="工单号。"),
            "department": graphene.String(
                required=True, description="代表哪个部门办理（部门编码，须在密钥授权范围内）。"
            ),
            **fields,
        },
    )


class DepartmentCaseMutation(ApiMutation):
    """Acts for the department named in the input, on that department's assignment of the case."""

    class Meta:
        abstract = True

    error_codes = CaseActionErrorCode
    text_fields: ClassVar[dict[str, str]] = {}
    required_department_argument = "input.department"

    @classmethod
    def check_permissions(cls, info: Any, input: Any = None, **arguments: Any) -> None:
        check_department(info, input["department"])

    @classmethod
    def perform(cls, info: Any, input: Any) -> dict[str, Any]:
        department = Department.objects.get(code=input["department"])
        assignment = (
            Assignment.objects.select_related("case", "department")
            .filter(
                case__ticket_number=input["ticket_number"].strip().upper()[:MAX_LOOKUP_CHARS],
                unit_code=department.code,
            )
            .order_by("-active", "-pk")
            .first()
        )
        if assignment is None:
            raise FieldError("ticketNumber", "工单不存在或未派给该部门。", "not_found")
        client = get_client(info)
        actor = department_actor(client.key.partner if client.key else "合作方", department)
        try:
            cls.act(assignment, actor, input)
        except CasePermissionDenied as error:
            raise PermissionDenied(error.message) from None
        except CaseError as error:
            raise field_errors(error, cls.text_fields) from None
        return {"case": case_queryset().get(pk=assignment.case_id)}

    act: ClassVar[Callable[[Assignment, Any, Any], Any]]


def _payload(
    name: str,
    mutation_description: str,
    input_type: type[graphene.InputObjectType],
    act: Callable[[Assignment, Any, Any], Any],
    text_fields: dict[str, str],
) -> type[DepartmentCaseMutation]:
    error = error_type(f"{name}Error", CaseActionErrorCode, f"{mutation_description}时可由调用方改正的问题。")
    return type(
        name,
        (DepartmentCaseMutation,),
        {
            "Meta": type("Meta", (), {"description": f"{mutation_description}。需要代表该部门的密钥。"}),
            "Arguments": type("Arguments", (), {"input": input_type(required=True, description="工单与部门。")}),
            "case": graphene.Field(Case, description="操作后的工单。"),
            "errors": graphene.List(graphene.NonNull(error), required=True, description="可改正的问题。"),
            "act": staticmethod(act),
            "text_fields": text_fields,
        },
    )


def _feedback(assignment: Assignment, actor: Any, input: Any) -> Any:
    if assignment.role == Assignment.Role.LEAD and assignment.active:
        return ACTIONS["give_feedback"].execute(actor, assignment.case, text=input["text"])
    return ACTIONS["assignment_feedback"].execute(actor, assignment.case, assignment, text=input["text"])


AcknowledgeAssignment = _payload(
    "AcknowledgeAssignment",
    "部门报到（签收派给本部门的工单）",
    _action_input("AcknowledgeAssignmentInput", "报到的工单与部门。"),
    lambda assignment, actor, input: ACTIONS["acknowledge"].execute(actor, assignment.case, assignment),
    {},
)
StartCase = _payload(
    "StartCase",
    "主办部门开始办理",
    _action_input("StartCaseInput", "开始办理的工单与部门。"),
    lambda assignment, actor, input: ACTIONS["start"].execute(actor, assignment.case),
    {},
)
AddFeedback = _payload(
    "AddFeedback",
    "部门反馈办理进展（主办部门的反馈会告知诉求人）",
    _action_input(
        "AddFeedbackInput",
        "反馈的工单、部门和内容。",
        text=graphene.String(required=True, description=f"反馈内容（{TEXT_MIN}–{TEXT_MAX} 字）。"),
    ),
    _feedback,
    {"text": "text"},
)
ResolveCase = _payload(
    "ResolveCase",
    "主办部门办结工单（全部承办单位报到后）",
    _action_input(
        "ResolveCaseInput",
        "办结的工单、部门和办结说明。",
        resolution=graphene.String(required=True, description=f"办结说明（{TEXT_MIN}–{TEXT_MAX} 字）。"),
    ),
    lambda assignment, actor, input: ACTIONS["resolve"].execute(actor, assignment.case, resolution=input["resolution"]),
    {"resolution": "resolution"},
)
ReturnAssignment = _payload(
    "ReturnAssignment",
    "部门退单（不属于本部门职责）：自行退单时限内立即退回；超过时限则提交退单申请，由街道（镇）审核",
    _action_input(
        "ReturnAssignmentInput",
        "退单的工单、部门和理由。",
        reason=graphene.String(required=True, description=f"退单说明（{TEXT_MIN}–{TEXT_MAX} 字）。"),
        reason_code=graphene.String(description="退单理由选项（见“工单办理规则”中的退单理由选项）。"),
    ),
    lambda assignment, actor, input: ACTIONS["return_assignment"].execute(
        actor,
        assignment.case,
        assignment,
        reason_code=input.get("reason_code") or "",
        note=input["reason"],
        code_required=False,
    ),
    {"reason": "reason", "reason_code": "reasonCode"},
)
RequestExtension = _payload(
    "RequestExtension",
    "主办部门在办结时限前申请延期，由街道（镇）或热线办审核",
    _action_input(
        "RequestExtensionInput",
        "申请延期的工单、部门、工作日数和理由。",
        working_days=graphene.Int(required=True, description="申请延期的工作日数（累计不超过办理规则的上限）。"),
        reason=graphene.String(required=True, description="延期理由。"),
    ),
    lambda assignment, actor, input: ACTIONS["request_extension"].execute(
        actor, assignment.case, working_days=input["working_days"], reason=input["reason"]
    ),
    {"working_days": "workingDays", "reason": "reason"},
)
PauseCase = _payload(
    "PauseCase",
    "主办部门挂起工单（如联系不上诉求人）；挂起期间不计办理时间，累计不超过办理规则的上限",
    _action_input(
        "PauseCaseInput",
        "挂起的工单、部门和理由。",
        reason_code=graphene.String(required=True, description="挂起理由选项（见“工单办理规则”）。"),
        note=graphene.String(description="说明。"),
    ),
    lambda assignment, actor, input: ACTIONS["pause_case"].execute(
        actor, assignment.case, reason_code=input["reason_code"], note=input.get("note") or ""
    ),
    {"reason_code": "reasonCode", "note": "note"},
)
ResumeCase = _payload(
    "ResumeCase",
    "恢复办理挂起的工单；未到期的时限按挂起的工作日顺延",
    _action_input("ResumeCaseInput", "恢复办理的工单与部门。", note=graphene.String(description="说明。")),
    lambda assignment, actor, input: ACTIONS["resume_case"].execute(
        actor, assignment.case, note=input.get("note") or ""
    ),
    {"note": "note"},
)


class CaseMutations(graphene.ObjectType):
    submit_case = SubmitCase.Field(description="提交一件诉求。")
    rate_case = RateCase.Field(description="诉求人评价自己的工单。")
    acknowledge_assignment = AcknowledgeAssignment.Field(description="部门报到。")
    start_case = StartCase.Field(description="主办部门开始办理。")
    add_feedback = AddFeedback.Field(description="部门反馈办理进展。")
    resolve_case = ResolveCase.Field(description="主办部门办结。")
    return_assignment = ReturnAssignment.Field(description="部门退单。")
    request_extension = RequestExtension.Field(description="主办部门申请延期。")
    pause_case = PauseCase.Field(description="主办部门挂起工单。")
    resume_case = ResumeCase.Field(description="恢复办理挂起的工单。")
