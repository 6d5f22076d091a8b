"""WSGI entry point. Production settings unless DJANGO_SETTINGS_MODULE says otherwise, so a plain
``gunicorn config.wsgi`` never runs with DEBUG or a known key; they refuse to start without SECRET_KEY."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
