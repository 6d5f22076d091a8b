#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

if sys.version_info >= (3, 13):
    sys.exit(
        "本项目需要 Python 3.11 或 3.12：规则引擎 durable-rules 2.0.28 在 3.13 上无法导入 "
        f"(undefined symbol: PyEval_CallObject)。当前为 {sys.version.split()[0]}。"
    )

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
