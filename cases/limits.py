"""The size limits of what people type into a case, written once for the service, the resident
pages, the workbench and the API (which quote them in their help texts and descriptions)."""

from __future__ import annotations

import re

TEXT_MIN = 2  # 诉求内容, 反馈, 办结说明, 理由: at least this many characters
TEXT_MAX = 4000
ADDRESS_MAX = 255
NAME_MAX = 64
COMMENT_MAX = 500  # a resident's 评价 comment
LOOKUP_MAX = 64  # a ticket number or phone typed to look a case up
KEY_MAX = 128  # an idempotency key, visible ASCII

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
KEY_RE = re.compile(rf"^[\x21-\x7e]{{1,{KEY_MAX}}}$")
