"""The request (诉求/工单) lifecycle: intake, dispatch, 报到, feedback, resolution, callback,
durable deadlines with escalation, the audit timeline and department scores.

Workflows live in ``cases.services``; ``rules`` decides, this app remembers and acts.
"""
