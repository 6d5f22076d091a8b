from django.urls import path, re_path

from . import views

app_name = "open311"

FMT = r"(?:\.(?P<fmt>json|xml))?$"
ID = r"(?P<{}>[A-Za-z0-9_-]{{1,64}})"

urlpatterns = [
    path("", views.discovery, name="root"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/" + ID.format("code") + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/" + ID.format("service_request_id") + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/" + ID.format("token") + FMT, views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
