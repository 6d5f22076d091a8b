"""The spec's two formats: JSON lists and XML documents whose element names the spec fixes."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# Root element and the element of each list item, per answer.
XML_SHAPES = {
    "discovery": ("discovery", None),
    "services": ("services", "service"),
    "service_definition": ("service_definition", None),
    "requests": ("service_requests", "request"),
    "tokens": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
# Lists inside an item, and the element of their items.
XML_LISTS = {"endpoints": "endpoint", "attributes": "attribute", "values": "value", "formats": "format"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        child = XML_LISTS.get(name, "item")
        for item in value:
            _append(element, child, item)
    elif value is not None:
        element.text = _text(value)


def to_xml(shape: str, body: Any) -> bytes:
    root_name, item_name = XML_SHAPES[shape]
    root = ET.Element(root_name)
    if item_name is None:
        for key, value in body.items():
            _append(root, key, value)
    else:
        for item in body:
            _append(root, item_name, item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def render(shape: str, body: Any, fmt: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(shape, body), status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def render_error(status: int, description: str, fmt: str) -> HttpResponse:
    return render("errors", [{"code": status, "description": description}], fmt, status)
