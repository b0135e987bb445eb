"""circleci_v2.shim.requests: an EDN reply (v1.1's default) reads as plain JSON data through .json()."""
from __future__ import annotations

import json

import pytest
import requests

from circleci_v2.shim import requests as shim_requests

from transport_server import Reply, ScriptedServer

pytest.importorskip("edn_format", reason="EDN decoding needs the edn extra")

EDN = {"Content-Type": "application/edn; charset=utf-8"}

CASES = [
    ("{:builds [1 2 3]}", {"builds": [1, 2, 3]}),
    ("[{:build_num 1} {:build_num 2}]", [{"build_num": 1}, {"build_num": 2}]),
    ("#{:a}", ["a"]),
    ('{:queued_at #inst "2024-05-01T10:20:30.500Z"}', {"queued_at": "2024-05-01T10:20:30.500Z"}),
    ('{:a {:b [#{"x"} (1 2) nil true]} :status :success :id #uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}',
     {"a": {"b": [["x"], [1, 2], None, True]}, "status": "success",
      "id": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}),
    ('{:ns/key 1.5M "plain" 2 3 :three}', {"ns/key": 1.5, "plain": 2, "3": "three"}),
]


@pytest.mark.parametrize("body, expected", CASES)
def test_edn_reply_decodes_to_plain_json_data(body, expected):
    with ScriptedServer([Reply(200, body.encode(), EDN)]) as srv:
        r = shim_requests.get(srv.url + "/api/v1.1/me", headers={"Circle-Token": "t", "Accept": "application/edn"})
    assert r.json() == expected
    assert json.loads(r.text) == expected  # the body itself is JSON now, as requests users read it
    assert r.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("body", ["{:builds [1 2", "#unknown-tag 1", "}", b"\xff\xfe"])
def test_bad_edn_raises_requests_json_decode_error_from_json(body):
    raw = body if isinstance(body, bytes) else body.encode()
    with ScriptedServer([Reply(200, raw, EDN)]) as srv:
        r = shim_requests.get(srv.url + "/api/v1.1/me", headers={"Circle-Token": "t", "Accept": "application/edn"})
    assert r.status_code == 200 and r.content == raw  # the request itself succeeds, the body is untouched
    assert isinstance(r, requests.Response)
    with pytest.raises(requests.exceptions.JSONDecodeError, match="EDN"):
        r.json()
    with pytest.raises(ValueError):  # what older code catches
        r.json()
