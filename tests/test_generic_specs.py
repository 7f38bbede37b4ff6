"""The generic core on specs of other APIs (tests/specs/generic/, written for these tests; no profile):

every kind of credential (an API key in a query, a header or a cookie; HTTP basic; OAuth2; alternatives and
combinations), parameter styles (form arrays, spaceDelimited, deepObject, header and cookie parameters),
operations without operationIds, a redirect with its Location, a text response; a recursive schema, a $ref
through an array index, a %-encoded one and one to another local file, responses only by `default` or by a
4XX range, `format: binary` in JSON and `properties` without `type`; an OpenAPI 3.1 document (type arrays,
null, const, examples). The mock serves each as the spec says, and the suite is GREEN on the mock serving it.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mock_server.contract.response_schemas import spec_openapi_validator
from mock_server.serving.launcher import MockProcess
from mock_server.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "tests" / "specs" / "generic"
KEYS, TREES, NOTES = SPECS / "keys_and_styles.yaml", SPECS / "recursive_refs.yaml", SPECS / "openapi31.yaml"
LINKS = SPECS / "links.yaml"
REQUEST_ID = {"X-Request-Id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}
BASIC = "Basic " + base64.b64encode(b"ana:secret").decode()


@pytest.fixture(scope="module")
def keys():
    with MockProcess("--quiet", "--spec", str(KEYS), "--api-key", "key-12345", "--basic-auth", "ana:secret") as mock:
        yield mock


@pytest.fixture(scope="module")
def trees():
    with MockProcess("--quiet", "--spec", str(TREES)) as mock:
        yield mock


@pytest.fixture(scope="module")
def notes():
    with MockProcess("--quiet", "--spec", str(NOTES)) as mock:
        yield mock


def valid(spec_file: Path, operation_id: str, status: int, body: object) -> bool:
    spec = load_spec(spec_file)
    response = spec.operation(operation_id).response_for(status)
    assert response is not None
    return spec_openapi_validator(spec, response.schema).is_valid(body)


def test_operations_without_operation_ids_get_stable_ids_from_method_and_path():
    spec = load_spec(KEYS)
    assert list(spec.operations) == ["get_widgets", "get_widgets_by_widget_id", "get_widgets_by_widget_id_manual", "get_legacy_widgets"]
    assert all(op.derived_id for op in spec.operations.values()) and spec.warnings == ()
    assert spec.profile is None and load_spec(NOTES).is_31


def test_an_api_key_in_the_query_or_a_header_and_nothing_else(keys):
    url = keys.base_url + "/widgets"
    for extra in ({"params": {"api_key": "key-12345"}}, {"headers": {**REQUEST_ID, "X-API-Key": "key-12345"}}):
        answer = requests.get(url, **{"headers": REQUEST_ID, **extra}, timeout=10)
        assert answer.status_code == 200 and valid(KEYS, "get_widgets", 200, answer.json()), answer.text
    missing = requests.get(url, headers=REQUEST_ID, timeout=10)
    assert missing.status_code == 401 and valid(KEYS, "get_widgets", 401, missing.json())
    assert "api_key query parameter or an API key in the X-API-Key header" in missing.json()["error"]
    wrong = requests.get(url, params={"api_key": "not-the-key"}, headers=REQUEST_ID, timeout=10)
    assert wrong.status_code == 401 and "not one this server accepts" in wrong.json()["error"]


def test_basic_auth_or_oauth2_together_with_an_api_key_in_a_cookie(keys):
    url = keys.base_url + "/widgets/W-0042"
    assert requests.get(url, headers={"Authorization": BASIC}, timeout=10).status_code == 200
    wrong = requests.get(url, headers={"Authorization": "Basic " + base64.b64encode(b"ana:nope").decode()}, timeout=10)
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith('Basic realm="api"')
    assert requests.get(url, headers={"Authorization": "Bearer opaque-token"}, timeout=10).status_code == 401  # the cookie is missing
    both = requests.get(url, headers={"Authorization": "Bearer opaque-token", "Cookie": "widget_session=key-12345"}, timeout=10)
    assert both.status_code == 200, both.text
    assert requests.get(keys.base_url + "/widgets/W-0042/manual", timeout=10).status_code == 200  # security: [] is open


def test_parameter_styles_are_deserialized_and_checked(keys):
    def get(params: list[tuple[str, str]], headers: dict[str, str] | None = None) -> requests.Response:
        return requests.get(keys.base_url + "/widgets", params=[("api_key", "key-12345"), *params], headers=REQUEST_ID if headers is None else headers, timeout=10)

    assert get([("colour", "red,blue"), ("sizes", "1 3 10"), ("filter[owner]", "ana"), ("filter[min_price]", "3")]).status_code == 200
    for params, field in (
        ([("colour", "red,purple")], "colour"),
        ([("sizes", "1 99")], "sizes"),
        ([("filter[owner]", "ANA")], "filter"),
        ([("filter[min_price]", "-1")], "filter"),
    ):
        refused = get(params)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    assert get([], {"X-Request-Id": "not-a-uuid"}).json()["field"] == "X-Request-Id"
    assert get([], {}).json()["error"].startswith("Missing X-Request-Id")
    assert get([], {**REQUEST_ID, "Cookie": "session_hint=" + "x" * 13}).json()["field"] == "session_hint"


def test_a_redirect_has_its_location_and_text_is_text(keys):
    moved = requests.get(keys.base_url + "/legacy/widgets", allow_redirects=False, timeout=10)
    assert moved.status_code == 301 and moved.headers["Location"] == "/widgets"
    manual = requests.get(keys.base_url + "/widgets/W-0042/manual", timeout=10)
    assert manual.headers["Content-Type"] == "text/plain" and len(manual.text) >= 10
    unknown = requests.get(keys.base_url + "/nowhere", timeout=10)
    assert unknown.status_code == 404 and unknown.headers["Content-Type"] == "application/problem+json"
    assert unknown.json()["status"] == 404 and "No route for GET /nowhere" in unknown.json()["detail"]


def test_a_recursive_schema_is_served_and_validated(trees):
    tree = requests.get(trees.base_url + "/trees/7", timeout=10)
    assert tree.status_code == 200 and valid(TREES, "getTree", 200, tree.json())
    assert tree.json()["children"] and "children" in tree.json()["children"][0]  # nested, to the depth bound
    planted = requests.post(trees.base_url + "/trees", json={"name": "oak", "children": [{"name": "twig", "children": []}]}, timeout=10)
    assert planted.status_code == 201 and planted.headers["Location"]
    deep_bad = requests.post(trees.base_url + "/trees", json={"name": "oak", "children": [{"name": "", "children": []}]}, timeout=10)
    assert deep_bad.status_code == 422 and deep_bad.headers["Content-Type"] == "application/problem+json"
    assert "/children/0/name" in deep_bad.json()["detail"] and deep_bad.json()["status"] == 422
    for data, content_type, says in ((b"{oak", "application/json", "not valid JSON"), (b"oak", "text/plain", "Unsupported Content-Type"),
                                     (b"", "application/json", "Missing request body")):
        refused = requests.post(trees.base_url + "/trees", data=data, headers={"Content-Type": content_type}, timeout=10)
        assert refused.status_code == 422 and says in refused.json()["detail"], refused.text


def test_refs_through_an_array_index_a_percent_encoding_and_another_file(trees):
    spec = load_spec(TREES)
    assert [p.name for p in spec.operation("getLabel").parameters] == ["tree_id"]  # '#/paths/~1trees~1%7Btree_id%7D/parameters/0'
    label = requests.get(trees.base_url + "/trees/7/label", timeout=10)
    assert label.status_code == 200 and label.json()["text"]  # only `default` documents it; its schema is in shared.yaml
    refused = requests.get(trees.base_url + "/trees/0", timeout=10)
    assert refused.status_code == 400 and valid(TREES, "getTree", 400, refused.json())  # the 4XX range, '#/.../Problem%20Details'
    assert refused.json()["title"] == "Bad Request" and refused.json()["status"] == 400
    photo = requests.get(trees.base_url + "/trees/7/photo", timeout=10)
    assert photo.status_code == 200 and valid(TREES, "getPhoto", 200, photo.json())  # format: binary, properties without type


def test_an_openapi_31_document(notes):
    token = {"Authorization": "Bearer any-opaque-token"}
    note = requests.get(notes.base_url + "/notes/n_abc123", headers=token, timeout=10)
    assert note.status_code == 200 and valid(NOTES, "getNote", 200, note.json()) and note.json()["kind"] == "note"
    created = requests.post(notes.base_url + "/notes", json={"text": "milk", "pinned": None}, headers=token, timeout=10)
    assert created.status_code == 201, created.text
    extra = requests.post(notes.base_url + "/notes", json={"text": "milk", "colour": "red"}, headers=token, timeout=10)
    assert extra.status_code == 400 and "Additional properties" in extra.json()["message"]
    assert requests.get(notes.base_url + "/notes/n_abc123", timeout=10).status_code == 401


def test_a_resource_known_only_by_its_creates_links_is_kept():
    with MockProcess("--quiet", "--spec", str(LINKS)) as orders:
        key = {"X-Api-Key": "any-key"}
        placed = requests.post(orders.base_url + "/orders", json={"item": "beans", "quantity": 2, "note": "ring twice"}, headers=key, timeout=10)
        assert placed.status_code == 201 and placed.json()["state"] == "placed"  # the first enum value, the body's fields
        ref = placed.json()["orderId"]
        assert requests.get(orders.base_url + f"/order-status/{ref}", headers=key, timeout=10).json() == placed.json()
        replaced = requests.put(orders.base_url + f"/order-status/{ref}", json={"item": "tea", "quantity": 1}, headers=key, timeout=10)
        assert replaced.status_code == 200 and "note" not in replaced.json() and replaced.json()["item"] == "tea"  # PUT replaces
        assert requests.delete(orders.base_url + f"/order-status/{ref}", headers=key, timeout=10).status_code == 204
        gone = requests.get(orders.base_url + f"/order-status/{ref}", headers=key, timeout=10)
        assert gone.status_code == 404 and valid(LINKS, "getOrderStatus", 404, gone.json())


@pytest.mark.parametrize("spec_file", [KEYS, TREES, NOTES, LINKS], ids=lambda path: path.stem)
def test_the_suite_is_green_on_the_mock_serving_the_same_spec(spec_file, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    env.update(CONTRACT_SPEC=str(spec_file), CONTRACT_SEED="11", CONTRACT_MAX_EXAMPLES="20")
    run = subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(tmp_path)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:]
    assert f"GREEN: the embedded mock honours {spec_file.name}" in run.stdout
    coverage = json.loads((tmp_path / "contract-coverage.json").read_text())
    assert {op["operation_id"] for op in coverage["operations"]} == set(load_spec(spec_file).operations)


def test_live_mode_takes_a_credential_per_scheme_and_never_prints_one(keys, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    env.update(CONTRACT_BASE_URL=keys.base_url, CONTRACT_SPEC=str(KEYS), CONTRACT_CREDENTIAL_BASICAUTH="ana:secret",
               CONTRACT_RATE_LIMIT="0", CONTRACT_SEED="5", CONTRACT_MAX_EXAMPLES="8")
    secrets = ("key-12345", "ana:secret", base64.b64encode(b"ana:secret").decode(), "wrong-key")
    for attempt, (key, status, says) in enumerate((("key-12345", 0, "GREEN: "), ("wrong-key", 75, "the target refused the run's "
                                                  "credentials for get_widgets (CONTRACT_CREDENTIAL_APIKEYQUERY"))):
        reports = tmp_path / f"run{attempt}"  # not named after the key: the report's path is printed
        run = subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(reports)], cwd=ROOT,
                             env={**env, "CONTRACT_CREDENTIAL_APIKEYQUERY": key}, capture_output=True, text=True, timeout=600)
        assert run.returncode == status and says in run.stdout + run.stderr, run.stdout[-3000:]
        outputs = [run.stdout, run.stderr, *(path.read_text() for path in reports.iterdir())]
        assert not [secret for secret in secrets for text in outputs if secret in text]


def test_a_form_body_carries_arrays_as_repeated_keys_and_a_required_empty_array_as_no_key():
    from mock_server.pipeline.validation import _coerce_form

    schema = {"required": ["roles", "name"], "properties": {
        "roles": {"type": "array", "items": {"type": "string"}}, "sizes": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
        "name": {"type": "string"}, "public": {"type": "boolean"}}}
    assert _coerce_form([("name", "a"), ("sizes", "1"), ("sizes", "2"), ("public", "true")], schema) == {
        "name": "a", "sizes": [1, 2], "public": True, "roles": []}  # an optional array stays absent
    assert _coerce_form([("name", "a"), ("roles", "")], schema) == {"name": "a", "roles": []}
