"""Notices published the way the admin publishes them: a page under 通知公告, a revision, publish()."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cms.models import Community, Grid
from notices.models import NoticePage
from notices.services import ensure_index

TZ = ZoneInfo("Asia/Shanghai")


def publish_notice(
    title: str,
    *,
    kind: str = "water",
    grids: tuple[str, ...] = (),
    communities: tuple[str, ...] = (),
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    summary: str = "",
    live: bool = True,
) -> NoticePage:
    starts_at = starts_at or datetime(2026, 3, 18, 8, 0, tzinfo=TZ)
    notice = NoticePage(
        title=title,
        kind=kind,
        summary=summary or f"{title}，请提前做好准备。",
        starts_at=starts_at,
        ends_at=ends_at if ends_at is not None else starts_at + timedelta(hours=10),
        live=False,
    )
    ensure_index().add_child(instance=notice)
    notice.grids.set(Grid.objects.filter(code__in=grids))
    notice.communities.set(Community.objects.filter(code__in=communities))
    revision = notice.save_revision()
    if live:
        revision.publish()
    return NoticePage.objects.get(pk=notice.pk)
