from django.urls import path

from . import views
from .feeds import GridNoticeFeed

app_name = "notices"

urlpatterns = [
    path("", views.by_address, name="by_address"),
    path("subscribe/", views.subscription, name="subscribe"),
    path("grid/<slug:code>/", views.by_grid, name="grid"),
    path("grid/<slug:code>/atom.xml", GridNoticeFeed(), name="grid_feed"),
]
