"""Drop-in for circleclient 0.1.6: `from circleci_v2.shim import circleclient`.

CircleClient keeps its nested resources (user, projects, build, cache) and their
signatures. build.trigger, build.retry, build.recent_all_projects and cache.clear,
deprecated with API v1, run on API v2 (CircleCIDeprecationWarning names the rule);
the rest still call API v1 with the token in the Circle-Token header rather than
the query string. circleclient hard-coded https://circleci.com; `url=` (keyword
only) points it at a server install.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

import requests  # noqa: F401 - legacy code reaches requests.HTTPError through this module

from ..rules.endpoints import V1_DEFAULT_VCS, v2_project_slug
from ..rules.model import Rule
from . import errors, translate
from .circleci import CacheClearingRemoved, PipelineErrored
from .client import CircleCIClient
from .legacy_session import LegacySession
from .transport import DEFAULT_TIMEOUT, v2_base_url
from .legacy_methods import deprecated_method

__version__ = "0.1.6"

DEFAULT_URL = "https://circleci.com/api/v1"


class CircleClient:
    def __init__(self, api_token=None, *, url: str = DEFAULT_URL, wait: bool = True, timeout: float = 60.0,
                 org: Optional[str] = None, request_timeout: Any = DEFAULT_TIMEOUT):
        """request_timeout: (connect, read) seconds per HTTP request (default 3.05 s, 30 s).
        A redirect to another host never carries the token."""
        self.api_token = api_token
        self.url = url.rstrip("/")
        self.wait = wait
        self.timeout = timeout
        self.org = org  # recent_all_projects lists this organisation (default $CIRCLECI_ORG_SLUG)
        self._session = LegacySession(request_timeout)
        self._v2 = CircleCIClient(api_token or "", v2_base_url(self.url), session=self._session,
                                  timeout=request_timeout) if api_token else None
        self.user = User(self)
        self.projects = Projects(self)
        self.build = Build(self)
        self.cache = Cache(self)

    def v2(self) -> CircleCIClient:
        if self._v2 is None:
            raise ValueError("CircleClient: an api_token is needed for API v2")
        return self._v2

    def make_url(self, path):
        return f"{self.url}/{path.lstrip('/')}"

    def make_headers(self):
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.api_token:
            headers["Circle-Token"] = self.api_token
        return headers

    def request(self, method, url, **kwargs):
        resp = self._session.request(method, url, headers=self.make_headers(), **kwargs)
        if not resp.ok:
            raise Exception(f"{resp.status_code}: {resp.reason}.\nCircleCI Status NOT OK")
        return resp.json()

    def client_get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def client_post(self, url, **kwargs):
        return self.request("POST", url, data=json.dumps(kwargs))

    def client_delete(self, url, **kwargs):
        return self.request("DELETE", url, **kwargs)


class User:
    def __init__(self, client):
        self.client = client

    def info(self):
        return self.client.client_get(self.client.make_url("me"))


class Projects:
    def __init__(self, client):
        self.client = client

    def list_projects(self):
        return self.client.client_get(self.client.make_url("projects"))


class Build:
    _legacy_path = "CircleClient.build"  # how the rules' client entries name this resource (@deprecated_method)

    def __init__(self, client):
        self.client = client

    def _path(self, username: str, project: str, rest: str = "") -> str:
        return self.client.make_url(f"project/{username}/{project}{rest}")

    @deprecated_method
    def trigger(self, rule: Rule, username, project, branch, **build_params):
        """triggerPipeline; keyword arguments become (declared) pipeline parameters, with a warning."""
        body: Dict[str, Any] = {"branch": branch}
        if build_params:
            body["build_parameters"] = build_params
        try:
            return translate.trigger(self.client.v2(), rule.id, v2_project_slug(V1_DEFAULT_VCS, username, project), body,
                                     wait=self.client.wait, timeout=self.client.timeout)
        except errors.PipelineErrored as exc:  # circleclient raised plain Exceptions: this is one too
            raise PipelineErrored.of(exc) from None

    @deprecated_method
    def retry(self, rule: Rule, username, project, build_num):
        return translate.retry(self.client.v2(), rule.id, v2_project_slug(V1_DEFAULT_VCS, username, project), build_num,
                               wait=self.client.wait, timeout=self.client.timeout)

    @deprecated_method
    def recent_all_projects(self, rule: Rule, limit=30, offset=0):
        emulated = translate.emulated_query(rule.id, {"limit": limit, "offset": offset})
        return translate.recent_builds(self.client.v2(), self.client.org, **emulated)

    def cancel(self, username, project, build_num):
        return self.client.client_post(self._path(username, project, f"/{build_num}/cancel"))

    def artifacts(self, username, project, build_num):
        return self.client.client_get(self._path(username, project, f"/{build_num}/artifacts"))

    def status(self, username, project, build_num):
        return self.client.client_get(self._path(username, project, f"/{build_num}"))

    def recent(self, username, project, limit=1, offset=0, branch=None, status_filter=''):
        rest = f"/tree/{branch}" if branch else ""
        return self.client.client_get(self._path(username, project, rest),
                                      params={"limit": limit, "offset": offset, "filter": status_filter})


class Cache:
    _legacy_path = "CircleClient.cache"

    def __init__(self, client):
        self.client = client

    @deprecated_method
    def clear(self, rule: Rule, username, project):
        """Raises CacheClearingRemoved: API v2 has no cache clearing (change the cache key)."""
        raise CacheClearingRemoved(v2_project_slug(V1_DEFAULT_VCS, username, project), rule.id)
