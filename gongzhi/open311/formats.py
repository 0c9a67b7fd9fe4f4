"""GeoReport v2 output: the same Python data rendered as JSON or as the spec's XML.

Data is plain dicts and lists. In XML a list becomes repeated child elements whose tag the
caller names (`LIST_ITEM_TAGS`), None becomes an empty element, booleans "true"/"false".
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - building XML only; nothing is parsed here

from django.http import HttpResponse

# The tag of each item inside a list element, by the list's own tag.
LIST_ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "keywords": "keyword",
    "errors": "error",
}

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


# Characters XML 1.0 cannot carry (control characters other than tab, newline, return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_tag = LIST_ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """`root` is the XML document element; JSON has no root (a list or an object)."""
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def errors(fmt: str, status: int, *items: tuple[int | str, str]) -> HttpResponse:
    """The spec's error list: [{"code": …, "description": …}] or <errors><error>…"""
    data = [{"code": code, "description": description} for code, description in items]
    return render(fmt, "errors", data, status=status)
