"""The routing table: (method, path) to one operation, as Prism's router does it."""

from __future__ import annotations

import pytest

from mock_server.routing import Match, NotAllowed, Routes
from mock_server.spec import Operation


def operation(operation_id: str, method: str, path: str) -> Operation:
    return Operation(operation_id, method, path, (), (), {}, None, {})


ROUTES = Routes([
    operation("getItem", "GET", "/items/{item_id}"),
    operation("searchItems", "GET", "/items/search"),
    operation("listItems", "GET", "/items"),
    operation("createItem", "POST", "/items"),
    operation("getNote", "GET", "/items/{item_id}/notes/{note_id}"),
])


@pytest.mark.parametrize("method,path,operation_id,params", [
    ("GET", "/items/abc", "getItem", {"item_id": "abc"}),
    ("GET", "/items/search", "searchItems", {}),  # a concrete segment beats a templated one
    ("GET", "/items", "listItems", {}),
    ("POST", "/items", "createItem", {}),
    ("HEAD", "/items/7", "getItem", {"item_id": "7"}),  # HEAD where GET is documented
    ("GET", "/items/7/notes/3", "getNote", {"item_id": "7", "note_id": "3"}),
    ("GET", "/items/", "getItem", {"item_id": ""}),  # the last parameter takes what is left, so its 400 answers
    ("GET", "/items/a/b", "getItem", {"item_id": "a/b"}),
])
def test_a_request_is_routed_to_its_operation(method, path, operation_id, params):
    found = ROUTES.match(method, path)
    assert isinstance(found, Match) and found.operation.operation_id == operation_id and found.path_params == params


def test_a_documented_path_with_another_method_is_a_405_with_its_methods():
    assert ROUTES.match("DELETE", "/items/7") == NotAllowed(("GET", "HEAD"))
    assert ROUTES.match("PUT", "/items") == NotAllowed(("GET", "POST", "HEAD"))


@pytest.mark.parametrize("path", ["/", "/nothing", "/itemsx", "/other/items/7"])
def test_an_undocumented_path_is_not_routed(path):
    assert ROUTES.match("GET", path) is None


def test_a_lookup_does_not_grow_with_the_number_of_operations():
    many = Routes([operation(f"op{i}", "GET", f"/api/v1/resource{i}/{{id}}") for i in range(600)] + [operation("target", "GET", "/api/v1/target/{id}")])
    found = many.match("GET", "/api/v1/target/x")
    assert isinstance(found, Match) and found.operation.operation_id == "target"
    assert len(many._root.literal["api"].literal["v1"].literal) == 601  # one dictionary lookup per segment


def test_templates_of_one_shape_keep_every_method_and_their_own_parameter_names():
    routes = Routes([operation("getFile", "GET", "/files/{file_id}"), operation("dropFile", "DELETE", "/files/{name}")])
    assert routes.match("PUT", "/files/a") == NotAllowed(("GET", "DELETE", "HEAD"))
    got, dropped = routes.match("GET", "/files/a"), routes.match("DELETE", "/files/a")
    assert isinstance(got, Match) and got.path_params == {"file_id": "a"}
    assert isinstance(dropped, Match) and dropped.path_params == {"name": "a"}


def test_an_encoded_slash_stays_inside_its_parameter():
    from mock_server.serving.router import _raw_segments

    segments = _raw_segments({"PATH_INFO": "/items/a/b/notes/3", "RAW_URI": "/items/a%2Fb/notes/3?x=1"})
    assert segments == ["items", "a/b", "notes", "3"]
    found = ROUTES.match("GET", "/items/a/b/notes/3", segments)
    assert isinstance(found, Match) and found.path_params == {"item_id": "a/b", "note_id": "3"}
    assert _raw_segments({"PATH_INFO": "/items/a", "RAW_URI": "/items/a"}) is None  # the common case costs nothing


def test_a_parameter_inside_a_segment_matches_as_the_template_says():
    routes = Routes([operation("stop", "POST", "/v1beta/{name}:stop"), operation("get", "GET", "/v1beta/{name}")])
    stopped = routes.match("POST", "/v1beta/accounts/pub-1/groups/7:stop")
    assert isinstance(stopped, Match) and stopped.operation.operation_id == "stop"
    assert stopped.path_params == {"name": "accounts/pub-1/groups/7"}
    assert routes.match("DELETE", "/v1beta/a:stop") == NotAllowed(("GET", "HEAD", "POST"))
    plain = routes.match("GET", "/v1beta/abc")
    assert isinstance(plain, Match) and plain.operation.operation_id == "get"
