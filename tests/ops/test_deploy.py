"""The files in deploy/ name commands and settings that exist."""

import re
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

DEPLOY = Path(settings.BASE_DIR) / "deploy"


def test_units_run_existing_management_commands():
    commands = get_commands()
    found = []
    for unit in DEPLOY.glob("*.service"):
        for line in unit.read_text().splitlines():
            match = re.match(r"ExecStart=\S+python manage\.py (\S+)", line)
            if match:
                found.append(match.group(1))
                assert match.group(1) in commands, f"{unit.name}: {match.group(1)}"
    assert sorted(found) == ["escalate_overdue", "task_worker"]


def test_environment_example_names_only_settings_that_are_read():
    sources = "".join(p.read_text() for p in (Path(settings.BASE_DIR) / "config" / "settings").glob("*.py"))
    sources += (DEPLOY / "gunicorn.conf.py").read_text()
    names = re.findall(r"^#?([A-Z_]+)=", (DEPLOY / "governance.env.example").read_text(), re.M)
    unknown = [
        n for n in names if f'"{n}"' not in sources and n not in {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"}
    ]
    assert unknown == []


def test_release_script_and_gunicorn_config_parse():
    assert subprocess.run(["bash", "-n", str(DEPLOY / "release.sh")]).returncode == 0
    namespace: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    assert namespace["worker_class"] == "gthread" and namespace["wsgi_app"] == "config.wsgi:application"
