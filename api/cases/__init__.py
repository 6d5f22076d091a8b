"""Cases over GraphQL: intake and tracking for residents and partners, and the department actions.

Resolvers here are thin: every workflow is a function of ``cases.services``.
"""
