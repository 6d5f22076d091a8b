"""Resident search: one interface over an embedded engine (default) and Elasticsearch (at scale).

Start with :func:`search.backends.get_backend`; documents are :class:`search.documents.SearchDocument`.
"""
