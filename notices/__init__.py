"""Notices by area (停水、停暖、施工、活动): pages aimed at grids or communities, SMS, Atom and webhooks."""
