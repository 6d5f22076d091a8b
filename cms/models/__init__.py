"""Configuration and content that administrators edit in the Wagtail admin."""

from .approval import ConfigVersion, FourEyesApprovalTask
from .calendar import CalendarDay, CalendarStatus, CalendarVersion, CalendarYear, DaySource
from .categories import RequestCategory
from .content import HomePage, PolicyIndexPage, PolicyPage, ServiceFAQ, ServiceIndexPage, ServiceItemPage
from .departments import Department
from .handling import HandlingPolicy
from .people import StaffMember, StaffRole
from .regions import Address, Alley, Community, District, Grid, GridDuty, GridPolicy, Street, Subdistrict
from .replies import ReplyTemplate, ReplyUsage, ResponsePriority
from .rulebook import EscalationLevel, EscalationTrigger, RoutingRule, RuleBook, RulesetVersion
from .stamp import ConfigStamp
from .timelimits import RequestType, TimeLimitRule, Urgency
from .training import ClassifierSettings, ExampleRequest, ExampleSource, ExampleStatus, HistoricalCase

__all__ = [
    "Address",
    "Alley",
    "CalendarDay",
    "CalendarStatus",
    "CalendarVersion",
    "CalendarYear",
    "ClassifierSettings",
    "Community",
    "ConfigStamp",
    "ConfigVersion",
    "DaySource",
    "Department",
    "District",
    "EscalationLevel",
    "EscalationTrigger",
    "ExampleRequest",
    "ExampleSource",
    "ExampleStatus",
    "FourEyesApprovalTask",
    "Grid",
    "GridDuty",
    "GridPolicy",
    "HandlingPolicy",
    "HistoricalCase",
    "HomePage",
    "PolicyIndexPage",
    "PolicyPage",
    "ReplyTemplate",
    "ReplyUsage",
    "RequestCategory",
    "RequestType",
    "ResponsePriority",
    "RoutingRule",
    "RuleBook",
    "RulesetVersion",
    "ServiceFAQ",
    "ServiceIndexPage",
    "ServiceItemPage",
    "StaffMember",
    "StaffRole",
    "Street",
    "Subdistrict",
    "TimeLimitRule",
    "Urgency",
]
