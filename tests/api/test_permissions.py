"""NetBox's habit: one reusable test that every field and mutation refuses a caller without the permission.

Each field of the schema must appear in exactly one table below, with a document that uses it;
adding a field without saying who may use it fails ``test_every_field_is_covered``.
"""

from __future__ import annotations

import pytest

from api.schema import schema
from cases.models import Case

pytestmark = pytest.mark.django_db

PUBLIC = {
    "ping": "{ ping }",
    "case": '{ case(ticketNumber: "LX1", phone: "13800000000") { status } }',
    "rateCase": 'mutation { rateCase(input: {ticketNumber: "LX1", phone: "1", satisfaction: SATISFIED}) '
    "{ errors { code } } }",
}

READ_CONTENT = {
    "serviceItems": "{ serviceItems { totalCount } }",
    "serviceItem": '{ serviceItem(code: "svc-dibao-apply") { code } }',
    "serviceCategories": "{ serviceCategories { name } }",
    "policies": "{ policies { totalCount } }",
    "policy": '{ policy(code: "pol-12345-rules") { code } }',
    "departments": "{ departments { code } }",
    "requestCategories": "{ requestCategories { code } }",
    "requestTypes": "{ requestTypes { type } }",
    "gridLookup": '{ gridLookup(address: "历下区泉城路街道芙蓉街2号") { matchedBy } }',
    "search": '{ search(query: "低保") { total } }',
    "notices": "{ notices { title } }",
}

SUBMIT_CASES = {
    "submitCase": 'mutation { submitCase(input: {type: HELP, text: "路灯坏了很久", '
    'address: "历下区泉城路街道芙蓉街2号", channel: APP}) { errors { code } } }',
}


def department_document(field: str, extra: str = "") -> str:
    return (
        f'mutation {{ {field}(input: {{ticketNumber: "LX1", department: "dept-drain"{extra}}}) '
        "{ errors { code } } }"
    )


ACT_FOR_DEPARTMENT = {
    "assignedCase": '{ assignedCase(ticketNumber: "LX1", department: "dept-drain") { status } }',
    "acknowledgeAssignment": department_document("acknowledgeAssignment"),
    "startCase": department_document("startCase"),
    "addFeedback": department_document("addFeedback", ', text: "进展"'),
    "resolveCase": department_document("resolveCase", ', resolution: "已办结"'),
    "returnAssignment": department_document("returnAssignment", ', reason: "不归我管"'),
    "requestExtension": department_document("requestExtension", ', workingDays: 2, reason: "等材料"'),
    "pauseCase": department_document("pauseCase", ', reasonCode: "诉求人电话无法接通"'),
    "resumeCase": department_document("resumeCase"),
}


def declared_access(field) -> str:
    resolver = field.resolve
    owner = getattr(resolver, "__self__", None)  # a mutation's bound ``mutate``
    scope = getattr(resolver, "required_scope", None) or getattr(owner, "required_scope", None)
    department = getattr(resolver, "required_department_argument", None) or getattr(
        owner, "required_department_argument", None
    )
    if department:
        return "act_for_department"
    return str(scope) if scope else "public"


def test_every_field_is_covered():
    fields = {**schema.graphql_schema.query_type.fields, **schema.graphql_schema.mutation_type.fields}
    declared = {name: declared_access(field) for name, field in fields.items()}
    tables = {
        "public": PUBLIC,
        "read_content": READ_CONTENT,
        "submit_cases": SUBMIT_CASES,
        "act_for_department": ACT_FOR_DEPARTMENT,
    }
    tested = {name: access for access, table in tables.items() for name in table}
    assert declared == tested


def assert_denied(response, field: str) -> None:
    assert response.status == 200
    assert response.data in (None, {field: None})  # null propagates to the root for non-null fields
    assert [e["extensions"]["code"] for e in response.errors] == ["PERMISSION_DENIED"]
    assert response.errors[0]["path"] == [field]


@pytest.mark.parametrize("field", sorted(READ_CONTENT))
def test_read_content_fields_refuse_a_key_without_the_scope(gql, reference_data, make_key, field):
    _, without = make_key(submit=True, departments=("dept-drain",))
    assert_denied(gql(READ_CONTENT[field], key=without), field)
    _, reader = make_key(read=True, name="reader")
    assert gql(READ_CONTENT[field], key=reader).error_codes != ["PERMISSION_DENIED"]


@pytest.mark.parametrize("field", sorted(SUBMIT_CASES))
def test_submit_mutations_refuse_a_key_without_the_scope(gql, reference_data, make_key, field):
    _, reader = make_key(read=True, departments=("dept-drain",))
    assert_denied(gql(SUBMIT_CASES[field], key=reader), field)
    assert_denied(gql(SUBMIT_CASES[field]), field)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("field", sorted(ACT_FOR_DEPARTMENT))
def test_department_fields_refuse_keys_for_other_departments(gql, reference_data, make_key, field):
    _, other = make_key(read=True, submit=True, departments=("dept-water", "dept-gas"))
    assert_denied(gql(ACT_FOR_DEPARTMENT[field], key=other), field)
    assert_denied(gql(ACT_FOR_DEPARTMENT[field]), field)
    _, allowed = make_key(departments=("dept-drain",), name="drain")
    assert gql(ACT_FOR_DEPARTMENT[field], key=allowed).error_codes != ["PERMISSION_DENIED"]


@pytest.mark.parametrize("field", sorted(PUBLIC))
def test_public_fields_need_no_key(gql, reference_data, field):
    assert "PERMISSION_DENIED" not in gql(PUBLIC[field]).error_codes
