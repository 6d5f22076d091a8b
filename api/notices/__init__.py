"""Notices by area for partner apps: a query to poll, and the payload of the ``notice.published`` webhook."""
