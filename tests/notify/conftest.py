from tests.cases.conftest import clock, people  # noqa: F401  (the case-lifecycle fixtures)
