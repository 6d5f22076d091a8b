"""python manage.py supervise — web server, task workers and the sweep on one machine, restarted
when they exit. What ``make run`` serves; production uses the systemd units in deploy/."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.supervisor import Child, Supervisor, prepare_metrics_dir


class Command(BaseCommand):
    help = "启动网站（gunicorn）、后台任务进程和时限巡检，任一进程退出后自动重启；Ctrl-C 全部停止。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="网站监听地址，默认 127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn 工作进程数（默认 2）")
        parser.add_argument("--threads", type=int, default=4, help="每个工作进程的线程数（默认 4）")
        parser.add_argument("--task-workers", type=int, default=1, help="后台任务进程数（默认 1）")
        parser.add_argument("--sweep-every", type=int, default=60, help="时限巡检间隔秒数（默认 60；0 表示不启动）")
        parser.add_argument(
            "--hotspots-every", type=int, default=900, help="未诉先办热点扫描间隔秒数（默认 900；0 表示不启动）"
        )

    def handle(self, *args, bind: str, web_workers: int, threads: int, task_workers: int, sweep_every: int,
               hotspots_every: int = 900, **options):  # fmt: skip
        if min(web_workers, threads) < 1 or task_workers < 0 or min(sweep_every, hotspots_every) < 0:
            raise CommandError("进程数和线程数必须为正整数，任务进程数和巡检间隔不能为负数。")
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = os.environ["DJANGO_SETTINGS_MODULE"]  # what manage.py runs with
        if not env.get("PROMETHEUS_MULTIPROC_DIR"):
            env.update(prepare_metrics_dir(str(settings.BASE_DIR / "var" / "prometheus")))
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        gunicorn = [
            sys.executable, "-m", "gunicorn", "config.wsgi",
            "--config", str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"),
            "--bind", bind, "--workers", str(web_workers), "--threads", str(threads),
        ]  # fmt: skip
        children = [Child("网站 gunicorn", gunicorn, env)]
        worker = [*manage, "task_worker", "--interval", "1"]
        children += [Child(f"后台任务进程 {i + 1}", worker, env) for i in range(task_workers)]
        if sweep_every:
            children.append(Child("时限巡检", [*manage, "escalate_overdue", "--every", str(sweep_every)], env))
        if hotspots_every:
            scan = [*manage, "detect_hotspots", "--every", str(hotspots_every)]
            children.append(Child("未诉先办热点扫描", scan, env))
        Supervisor(children).run()
