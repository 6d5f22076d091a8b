from django import template

from cms.models import Grid

from ..services import current_notices

register = template.Library()


@register.inclusion_tag("notices/includes/list.html")
def grid_notices(grid: Grid, limit: int = 5) -> dict:
    """The current notices of a grid, for any resident page that knows the grid."""
    return {"notices": list(current_notices(grid=grid, limit=limit)), "grid": grid, "compact": True}
