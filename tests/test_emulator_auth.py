"""Auth: Circle-Token or Basic on v2 (query tokens refused), all three on v1.1; tokens never recorded."""
from __future__ import annotations

import requests

from circleci_v2.shim.emulator.auth import QUERY_TOKEN_REFUSED
from circleci_v2.shim.emulator.recording import REDACTED
from emulator_support import SLUG


def test_v2_accepts_the_header_and_basic(circleci_emulator):
    emu = circleci_emulator
    assert requests.get(emu.v2_url + "/me", headers={"Circle-Token": emu.token}).status_code == 200
    assert requests.get(emu.v2_url + "/me", auth=(emu.token, "")).status_code == 200


def test_v2_refuses_missing_and_wrong_tokens(circleci_emulator):
    emu = circleci_emulator
    missing = requests.get(emu.v2_url + "/me")
    assert missing.status_code == 401 and missing.json() == {"message": "You must log in first."}
    wrong = requests.get(emu.v2_url + "/me", headers={"Circle-Token": "nope"})
    assert wrong.status_code == 401 and wrong.json() == {"message": "Invalid token provided."}
    assert requests.get(emu.v2_url + "/me", auth=("nope", "")).status_code == 401
    bearer = requests.get(emu.v2_url + "/me", headers={"Authorization": "Bearer " + emu.token})
    assert bearer.status_code == 401  # the vendored spec declares no bearer scheme
    emu.assert_valid()


def test_v2_refuses_a_query_token_with_the_spec_message(circleci_emulator):
    emu = circleci_emulator
    r = requests.get(emu.v2_url + "/me", params={"circle-token": emu.token})
    assert r.status_code == 401
    assert r.json() == {"message": QUERY_TOKEN_REFUSED}
    # even alongside a good header: the token has already leaked into logs and proxies
    r = requests.get(emu.v2_url + "/me", params={"circle-token": emu.token}, headers={"Circle-Token": emu.token})
    assert r.status_code == 401


def test_the_refusal_message_is_the_one_in_the_spec():
    from circleci_v2.rules import SPEC_PATH

    assert QUERY_TOKEN_REFUSED in SPEC_PATH.read_text(encoding="utf-8")


def test_v11_accepts_header_basic_and_query(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG)
    url = emu.url + "/api/v1.1/project/github/acme/app"
    json_accept = {"Accept": "application/json"}
    assert requests.get(url, headers={**json_accept, "Circle-Token": emu.token}).status_code == 200
    assert requests.get(url, headers=json_accept, auth=(emu.token, "")).status_code == 200
    assert requests.get(url, headers=json_accept, params={"circle-token": emu.token}).status_code == 200
    assert requests.get(url, headers=json_accept).status_code == 401


def test_several_tokens_are_several_users(circleci_emulator_factory):
    emu = circleci_emulator_factory(tokens={"tok-a": "alice", "tok-b": "bob"})
    assert emu.token == "tok-a"
    assert requests.get(emu.v2_url + "/me", headers={"Circle-Token": "tok-b"}).json()["login"] == "bob"
    emu2 = circleci_emulator_factory(tokens=["one", "two"])
    assert requests.get(emu2.v2_url + "/me", headers={"Circle-Token": "two"}).json()["login"] == "user-2"


def test_recorded_calls_never_hold_the_token(circleci_emulator):
    emu = circleci_emulator
    requests.get(emu.v2_url + "/me", headers={"Circle-Token": emu.token})
    requests.get(emu.v2_url + "/me", auth=(emu.token, ""))
    requests.get(emu.v2_url + "/me", params={"circle-token": emu.token})
    for call in emu.calls:
        assert emu.token not in repr(call)
    assert emu.calls[0].headers["Circle-Token"] == REDACTED
    assert emu.calls[1].headers["Authorization"] == f"Basic {REDACTED}"
    assert emu.calls[2].query == {"circle-token": [REDACTED]}
