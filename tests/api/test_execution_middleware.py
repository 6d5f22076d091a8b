"""The refusal of unstorable argument text does not switch off the short path for plain fields."""

from api.core.execution import _arguments_only
from api.core.validation import reject_unstorable_text


def test_the_argument_check_keeps_the_short_path():
    assert _arguments_only([reject_unstorable_text])
    assert _arguments_only([])


def test_other_middleware_takes_graphql_cores_path():
    def logging_middleware(next_, root, info, **arguments):
        return next_(root, info, **arguments)

    assert not _arguments_only([reject_unstorable_text, logging_middleware])
