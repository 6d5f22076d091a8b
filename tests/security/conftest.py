"""The security tests reuse the API's client fixtures and the case story's people and clock."""

from tests.api.conftest import _fresh_cache, gql, make_key, post_raw  # noqa: F401
from tests.api.test_cases import drain, hotline, ticket  # noqa: F401
from tests.cases.conftest import clock, people  # noqa: F401
from tests.portal.conftest import site  # noqa: F401
from tests.search.conftest import pages_backend, pages_index  # noqa: F401
