"""The stable error codes of the case domain, as Saleor keeps them beside each domain.

``CaseError`` and ``FieldProblem`` accept only these values, so a new code is added here first;
the GraphQL layer exports the enums with ``graphene.Enum.from_enum`` and partners see every code.
"""

from __future__ import annotations

from enum import StrEnum


class SubmissionErrorCode(StrEnum):
    """Why a submission (提交诉求) was not accepted, field by field."""

    REQUIRED = "required"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    INVALID_TYPE = "invalid_type"
    INVALID_CHANNEL = "invalid_channel"
    INVALID_POINT = "invalid_point"
    INVALID_PHONE = "invalid_phone"
    INVALID_KEY = "invalid_key"
    IN_FUTURE = "in_future"
    OUT_OF_RANGE = "out_of_range"
    INVALID_DATETIME = "invalid_datetime"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTO_EMPTY = "photo_empty"
    PHOTO_TYPE = "photo_type"
    INVALID_CHARACTERS = "invalid_characters"
    INVALID = "invalid"

    @property
    def description(self) -> str:
        return SUBMISSION_DESCRIPTIONS[self]


SUBMISSION_DESCRIPTIONS = {
    SubmissionErrorCode.REQUIRED: "必填项为空",
    SubmissionErrorCode.TOO_LONG: "内容过长",
    SubmissionErrorCode.TOO_MANY: "数量超过上限",
    SubmissionErrorCode.INVALID_TYPE: "诉求类型无效",
    SubmissionErrorCode.INVALID_CHANNEL: "来源渠道无效",
    SubmissionErrorCode.INVALID_POINT: "坐标无效",
    SubmissionErrorCode.INVALID_PHONE: "电话格式不正确",
    SubmissionErrorCode.INVALID_KEY: "幂等键格式不正确",
    SubmissionErrorCode.IN_FUTURE: "受理时间晚于当前时间",
    SubmissionErrorCode.OUT_OF_RANGE: "受理时间早于允许补录的范围",
    SubmissionErrorCode.INVALID_DATETIME: "时间格式不正确",
    SubmissionErrorCode.PHOTO_TOO_LARGE: "照片过大",
    SubmissionErrorCode.PHOTO_EMPTY: "照片为空",
    SubmissionErrorCode.PHOTO_TYPE: "照片格式不支持",
    SubmissionErrorCode.INVALID_CHARACTERS: "含有控制字符或无效字符",
    SubmissionErrorCode.INVALID: "其他无效输入",
}


class CaseErrorCode(StrEnum):
    """Why an action on a case (报到 to 结案, requests, 合并, 评价) was refused; nothing was changed."""

    CASE_ERROR = "case_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    INVALID_TRANSITION = "invalid_transition"
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    CASE_PAUSED = "case_paused"
    ALREADY_PAUSED = "already_paused"
    NOT_PAUSED = "not_paused"
    PAUSE_CAP_REACHED = "pause_cap_reached"
    EXTENSION_PENDING = "extension_pending"
    EXTENSION_TOO_LATE = "extension_too_late"
    EXTENSION_CAP_REACHED = "extension_cap_reached"
    NO_TIME_LIMIT = "no_time_limit"
    SAME_CASE = "same_case"
    TARGET_NOT_OPEN = "target_not_open"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    INVALID_CHOICE = "invalid_choice"
    INVALID_UNIT = "invalid_unit"
    INVALID_CHARACTERS = "invalid_characters"
    INVALID = "invalid"

    @property
    def description(self) -> str:
        return CASE_DESCRIPTIONS[self]


CASE_DESCRIPTIONS = {
    CaseErrorCode.CASE_ERROR: "其他不能办理的情况",
    CaseErrorCode.NOT_FOUND: "工单、分派或申请不存在（或未派给该部门）",
    CaseErrorCode.PERMISSION_DENIED: "无权执行该操作",
    CaseErrorCode.INVALID_TRANSITION: "工单当前状态不允许该操作",
    CaseErrorCode.ALREADY_ACKNOWLEDGED: "已报到",
    CaseErrorCode.CASE_PAUSED: "工单已挂起，须先恢复办理",
    CaseErrorCode.ALREADY_PAUSED: "工单已挂起",
    CaseErrorCode.NOT_PAUSED: "工单未挂起",
    CaseErrorCode.PAUSE_CAP_REACHED: "累计挂起已达上限",
    CaseErrorCode.EXTENSION_PENDING: "已有延期申请等待审核",
    CaseErrorCode.EXTENSION_TOO_LATE: "办结时限已过，不能再申请延期",
    CaseErrorCode.EXTENSION_CAP_REACHED: "累计延期已达上限",
    CaseErrorCode.NO_TIME_LIMIT: "未配置办理时限",
    CaseErrorCode.SAME_CASE: "不能合并到工单自身",
    CaseErrorCode.TARGET_NOT_OPEN: "要合并到的工单已办结",
    CaseErrorCode.REQUIRED: "必填项为空",
    CaseErrorCode.TOO_LONG: "内容过长",
    CaseErrorCode.TOO_MANY: "数量超过上限",
    CaseErrorCode.INVALID_CHOICE: "选项无效",
    CaseErrorCode.INVALID_UNIT: "承办单位无效",
    CaseErrorCode.INVALID_CHARACTERS: "含有控制字符或无效字符",
    CaseErrorCode.INVALID: "其他无效输入",
}

KNOWN_CODES = frozenset(SubmissionErrorCode) | frozenset(CaseErrorCode)
