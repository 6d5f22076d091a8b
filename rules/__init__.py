"""The decision core: routing, deadlines and escalation from an immutable configuration snapshot.

Import the parts you need from their modules (``rules.decision.decide``,
``rules.snapshot.load_reference``, ``rules.escalation.decide_escalation``,
``rules.validation.validate``); this package stays light so that Django can load the app
without starting the rules engine.
"""
