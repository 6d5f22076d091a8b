"""The comparable form of a typed address, so that “芙蓉街 16号” and “济南市芙蓉街16号” meet."""

from __future__ import annotations

import re
import unicodedata

_SPACE_AND_PUNCT = re.compile(r"[\s,，.。、·\-—_()（）]+")
_CITY_PREFIXES = ("山东省", "济南市")


def normalize_address(address: str | None) -> str:
    """NFKC (full-width digits and letters), lower case, no spaces or punctuation, no province/city prefix."""
    text = unicodedata.normalize("NFKC", str(address or "")).lower()
    text = _SPACE_AND_PUNCT.sub("", text)
    for prefix in _CITY_PREFIXES:
        text = text.removeprefix(prefix)
    return text[:255]
