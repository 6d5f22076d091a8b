from django.urls import path

from .views import cases, grid, search

app_name = "portal"

urlpatterns = [
    path("search/", search.search_page, name="search"),
    path("search/suggest/", search.search_suggest, name="search_suggest"),
    path("submit/", cases.submit, name="submit"),
    path("submit/done/", cases.submit_done, name="submit_done"),
    path("track/", cases.track, name="track"),
    path("track/rate/", cases.rate, name="rate"),
    path("grid/", grid.grid_lookup, name="grid"),
    path("address/suggest/", grid.address_suggest, name="address_suggest"),
]
