"""gunicorn settings shared by `make run` (ops supervise) and the systemd unit; every value can be
overridden on the command line or with GUNICORN_CMD_ARGS."""

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gthread keeps connections alive and lets one process wait on the database in several threads.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 5000
max_requests_jitter = 500
# nginx on the same machine sets X-Forwarded-Proto; trust it only from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Not used here, and one fixed path per user would clash between several servers on a machine.
control_socket_disable = True
accesslog = "-"
access_log_format = '%(t)s INFO gunicorn.access [%({x-request-id}o)s] "%(r)s" %(s)s %(b)s %(M)sms'


def child_exit(server, worker):
    """Drop the metrics files of a dead worker's live gauges (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
