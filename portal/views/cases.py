"""提交诉求 and 查询进度: the web channel of ``cases.services`` (the same workflows as the API's submitCase,
case and rateCase)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cases import resident, services, tracking
from cases.actions import ACTIONS
from cases.duplicates import already_reported, merged_notice, merged_summary, residents_reporting
from cases.errors import CaseError, CaseValidationError
from cases.models import Case, Channel
from cases.services.lookup import case_queryset
from cases.stages import public_timeline, stage_strip
from traffic.clients import client_ip

from .. import throttle
from ..addresses import mask_address
from ..forms import RatingForm, SubmitCaseForm, TrackForm, new_idempotency_key

SESSION_SUBMITTED = "portal:submitted-ticket"
SESSION_TRACK = "portal:track"
NOT_FOUND_MESSAGE = "没有查到与该工单号和联系电话对应的诉求，请核对后再试。"


def _submission(data: dict, source: str = "") -> services.CaseSubmission:
    has_point = data.get("lat") is not None and data.get("lng") is not None
    return services.CaseSubmission(
        request_type=data["request_type"],
        text=data["text"],
        channel=Channel.WEB,
        address=data.get("address", ""),
        point={"lat": data["lat"], "lng": data["lng"]} if has_point else None,
        reporter_name=data.get("name", ""),
        reporter_phone=data["phone"],
        # The web namespace keeps a page's random key apart from partners' keys.
        idempotency_key=f"web:{data['idempotency_key']}",
        photos=[data["photo"]] if data.get("photo") else [],
        source=source,
    )


def _add_problems(form: SubmitCaseForm, error: CaseError) -> None:
    problems = error.problems if isinstance(error, CaseValidationError) else []
    if not problems:
        form.add_error(None, error.message)
    for problem in problems:
        form.add_error(form.FIELD_FOR_PROBLEM.get(problem.field), problem.message)


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        limited = throttle.hit(request, "submit")
        if limited:
            return throttle.too_many(request, "submit", limited)
        form = SubmitCaseForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.submit_case(_submission(form.cleaned_data, f"ip:{client_ip(request)}"))
            except CaseError as error:
                _add_problems(form, error)
            else:
                request.session[SESSION_SUBMITTED] = result.case.ticket_number
                return redirect("portal:submit_done")
    else:
        form = SubmitCaseForm(initial={"idempotency_key": new_idempotency_key()})
    return render(request, "portal/submit.html", {"form": form})


def submit_done(request: HttpRequest) -> HttpResponse:
    ticket = request.session.get(SESSION_SUBMITTED)
    case = Case.objects.filter(ticket_number=ticket).first() if ticket else None
    if case is None:
        return redirect("portal:submit")
    # The same check as submitCase's alreadyReported: open cases of this category at or near the address.
    reported = already_reported(
        category=case.category_id, address=case.address, lat=case.lat, lng=case.lng, now=case.received_at, exclude=case
    )
    context = {
        "case": case,
        "check_code": tracking.format_code(case.check_code),
        "already_reported": reported,
        "residents_reporting": residents_reporting(reported),
    }
    return render(request, "portal/submit_done.html", context)


def _tracked_case(request: HttpRequest) -> Case | None:
    """The case whose ticket and phone this session proved, with what the page shows prefetched."""
    proof = request.session.get(SESSION_TRACK)
    if not proof:
        return None
    case = services.find_case_for_resident(proof.get("ticket", ""), proof.get("phone", ""))
    return case_queryset().get(pk=case.pk) if case is not None else None


def _track_page(
    request: HttpRequest, form: TrackForm, case: Case | None, rating_form: RatingForm | None = None
) -> HttpResponse:
    context = {"form": form, "case": case}
    if case is not None:
        rateable = ACTIONS["record_callback"].allows(resident.RESIDENT, case) and not case.satisfaction
        events = [event for event in case.events.all() if event.public]
        context.update(
            masked_address=mask_address(case.address),
            stages=stage_strip(case, events),
            timeline=public_timeline(case, events),
            merged_notice=merged_notice(case),
            merged_into=merged_summary(case),
            handlers=sorted(
                (a for a in case.assignments.all() if a.active), key=lambda a: (a.role != a.Role.LEAD, a.pk)
            ),
            rating_form=(rating_form or RatingForm()) if rateable else None,
        )
    return render(request, "portal/track.html", context)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """POST looks a case up (the phone never goes into a URL) and redirects; GET shows the proven case."""
    if request.method == "GET":
        case = _tracked_case(request)
        initial = {"ticket_number": case.ticket_number if case else request.GET.get("ticket", "")[:64]}
        return _track_page(request, TrackForm(initial=initial), case)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, form, None)
    ticket = form.cleaned_data["ticket_number"].strip().upper()
    limited = throttle.hit(request, "track")
    if limited:
        return throttle.too_many(request, "track", limited)
    try:
        # Failures count per client and per ticket, shared with the API's lookups (docs/adr/0006).
        case = tracking.find_own_case(ticket, form.cleaned_data["phone"], client=f"ip:{client_ip(request)}")
    except tracking.LookupRefused as refused:
        form.add_error(None, refused.message)
        return _track_page(request, form, None)
    if case is None:
        request.session.pop(SESSION_TRACK, None)
        form.add_error(None, NOT_FOUND_MESSAGE)
        return _track_page(request, form, None)
    request.session[SESSION_TRACK] = {"ticket": case.ticket_number, "phone": form.cleaned_data["phone"]}
    return redirect("portal:track")


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """The resident's rating of a resolved case: ``cases.resident.rate_case``, as rateCase calls it."""
    case = _tracked_case(request)
    if case is None:
        messages.error(request, "请先输入工单号和联系电话查询，再进行评价。")
        return redirect("portal:track")
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _track_page(request, TrackForm(initial={"ticket_number": case.ticket_number}), case, form)
    proof = request.session[SESSION_TRACK]
    try:
        resident.rate_case(
            proof["ticket"],
            proof["phone"],
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"],
        )
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "感谢您的评价！")
    return redirect("portal:track")
