"""Drop-in for the circleci 1.2.2 package: `from circleci_v2.shim import circleci as api`.

Api and Experimental keep every public method of circleci 1.2.2 with the same
parameters; the calls API v2 deprecated (trigger_build, retry_build, clear_cache,
get_recent_builds, Experimental.retry_no_cache) run on API v2 through
CircleCIClient and answer in the v1.1 shapes, with a CircleCIDeprecationWarning
naming the rule and its replacement. The other methods still call v1.1, with
`Accept: application/json`, over one keep-alive session.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

import requests  # noqa: F401 - legacy code reaches requests.HTTPError through this module
from requests.auth import HTTPBasicAuth

from ..rules.model import Rule
from . import errors, translate
from .adapters import app_url, build_summary
from .client import CircleCIClient
from .legacy_session import ARTIFACT_HOSTS, LegacySession, token_host_allowed
from .slugs import project_slug
from .transport import DEFAULT_TIMEOUT, v2_base_url
from .legacy_methods import deprecated_method

DEFAULT_URL = "https://circleci.com/api/v1.1"


# ---- circleci.error ----------------------------------------------------------------------------------

class CircleCIException(Exception):
    """Base of the circleci package's own errors (not of HTTP errors: those stay requests.HTTPError)."""

    def __init__(self, argument: Any) -> None:
        super().__init__()
        self.argument = argument
        self.message: Optional[str] = None

    def __str__(self) -> str:
        return f"{self.argument} is invalid. {self.message}"


class BadVerbError(CircleCIException):
    message = "verb must be one of 'GET', 'POST', or 'DELETE'"

    def __init__(self, argument: Any) -> None:
        super().__init__(argument)
        self.message = BadVerbError.message


class BadKeyError(CircleCIException):
    message = "key must be one of 'deploy-key' or 'github-user-key'"

    def __init__(self, argument: Any) -> None:
        super().__init__(argument)
        self.message = BadKeyError.message


class InvalidFilterError(CircleCIException):
    filter_message = "status_filter must be one of 'completed', 'successful', 'failed', or 'running'"
    artifacts_message = "must be one of 'completed', 'successful', or 'failed'"

    def __init__(self, argument: Any, filter_type: str) -> None:
        super().__init__(argument)
        self.message = self.filter_message if filter_type == "status" else self.artifacts_message


class CacheClearingRemoved(CircleCIException):
    """clear_cache has no API v2 equivalent: change the cache key instead."""

    def __init__(self, argument: Any, rule_id: str) -> None:
        super().__init__(argument)
        self.rule_id = rule_id
        self.message = translate.clear_cache_text(rule_id)

    def __str__(self) -> str:
        return (f"{self.rule_id}: clear_cache({self.argument}) was removed with API v1.1. {self.message} "
                "Or pass cache_env_var=NAME to Api() to rotate that project variable instead.")


class PipelineErrored(CircleCIException, errors.PipelineErrored):
    """trigger_build: the pipeline errored at once (e.g. "Unexpected argument(s): FAST", a parameter the
    config does not declare), so no build will run.

    A CircleCIException for legacy `except` clauses, and the v2 client's
    errors.PipelineErrored (a requests.HTTPError, without a response): `errors` holds
    the pipeline's errors ({"type", "message"}), `pipeline` the pipeline, `argument` its id.
    """

    def __init__(self, message: str, **kw: Any) -> None:
        errors.PipelineErrored.__init__(self, message, **kw)
        self.argument = (self.pipeline or {}).get("id")

    @classmethod
    def of(cls, exc: errors.PipelineErrored) -> "PipelineErrored":
        return cls(exc.message, errors=exc.errors, pipeline=exc.pipeline, operation_id=exc.operation_id,
                   method=exc.method, url=exc.url)

    def __str__(self) -> str:
        return errors.PipelineErrored.__str__(self)

    def _state(self) -> Dict[str, Any]:
        return {**super()._state(), "argument": self.argument}


class StrictModeError(CircleCIException):
    """An argument with no v2 equivalent, refused because the Api was built with strict=True."""

    def __str__(self) -> str:
        return str(self.argument)


# ---- Api ---------------------------------------------------------------------------------------------

class Api:
    """circleci.api.Api, on API v2 where v1.1 is deprecated.

    Extra keyword-only options (the legacy signature is unchanged before them):
      wait: trigger_build/retry_build wait for the first workflow's job so the summary
        has build_num, status and build_url (default True, as v1.1 answered with them);
      strict: raise StrictModeError for an argument a person must decide about (revision)
        instead of warning; parallel, which has no v2 meaning, is left out with a warning
        either way (rules/field_outcomes.py);
      cache_env_var: clear_cache rotates this project env var (used in the config's
        cache keys) instead of raising CacheClearingRemoved;
      timeout: seconds to wait for a workflow;
      use_v2: the methods v1.1 still serves (build info, artifacts, cancel, tests, env
        vars, checkout keys) use their v2 operations too, answering in the v1.1 shapes;
      org: the organisation get_recent_builds lists (gh/acme; default $CIRCLECI_ORG_SLUG),
        since v2 lists pipelines per organisation;
      request_timeout: (connect, read) seconds for each HTTP request, v1.1 and v2 (default
        3.05 s, 30 s; None waits forever);
      artifact_hosts: the hosts (and their subdomains) download_artifact sends the token to,
        besides the API's own (default: CircleCI's, circle-artifacts.com).
    On a redirect to another host the token is never sent on.
    """

    def __init__(self, token, url=DEFAULT_URL, *, wait: bool = True, strict: bool = False,
                 cache_env_var: Optional[str] = None, timeout: float = 60.0, use_v2: bool = False,
                 org: Optional[str] = None, request_timeout: Any = DEFAULT_TIMEOUT,
                 artifact_hosts: Any = ARTIFACT_HOSTS):
        self.token = token
        self.url = url
        self.wait = wait
        self.strict = strict
        self.cache_env_var = cache_env_var
        self.timeout = timeout
        self.use_v2 = use_v2
        self.org = org
        self.artifact_hosts = tuple(artifact_hosts)
        self._session = LegacySession(request_timeout)  # keep-alive for the v1.1 calls
        self._v2 = CircleCIClient(token, v2_base_url(url), session=self._session, timeout=request_timeout)

    # -- plumbing ------------------------------------------------------------------------------

    def _request(self, verb, endpoint, data=None):
        """A v1.1 request, as circleci 1.2.2 made it (subclasses call this); JSON reply."""
        if verb not in ("GET", "POST", "DELETE"):
            raise BadVerbError(verb)
        resp = self._session.request(verb, f"{self.url}/{endpoint}", auth=HTTPBasicAuth(self.token, ""),
                                     headers={"Accept": "application/json"},
                                     json=data if verb == "POST" else None)
        resp.raise_for_status()
        # add_ssh_key and add_heroku_key succeed with an empty body, which circleci 1.2.2 failed to parse
        return resp.json() if resp.content else None

    def _download(self, url, destdir=None, filename=None):
        filename = filename or url.split("/")[-1]
        path = os.path.join(destdir or os.getcwd(), filename)
        # the token goes only to the API's own host and CircleCI's artifact hosts
        headers = {"Circle-Token": self.token} if token_host_allowed(url, self.url, self.artifact_hosts) else {}
        resp = self._session.get(url, headers=headers, stream=True)
        resp.raise_for_status()
        with open(path, "wb") as out:
            for chunk in resp.iter_content(chunk_size=65536):
                out.write(chunk)
        return path

    @staticmethod
    def _slug(vcs_type, username, project) -> str:
        return project_slug(f"{vcs_type}/{username}/{project}")

    def _project(self, vcs_type, username, project) -> str:
        return f"project/{vcs_type}/{username}/{project}"

    # -- deprecated in v1.1: translated to v2 --------------------------------------------------

    @deprecated_method
    def trigger_build(self, rule: Rule, username, project, branch='master', revision=None, tag=None,
                      parallel=None, params=None, vcs_type='github'):
        """triggerPipeline on `branch` (or `tag`); a v1.1 build summary (see `wait`).

        Raises PipelineErrored (a CircleCIException) when the pipeline errors, e.g. on a
        build parameter the config does not declare."""
        body: Dict[str, Any] = {"branch": branch, "revision": revision, "tag": tag, "parallel": parallel}
        body.update(params or {})
        try:
            return translate.trigger(self._v2, rule.id, self._slug(vcs_type, username, project), body,
                                     wait=self.wait, timeout=self.timeout, strict=self.strict)
        except translate.TranslationError as exc:
            raise StrictModeError(str(exc)) from None
        except errors.PipelineErrored as exc:
            raise PipelineErrored.of(exc) from None

    @deprecated_method
    def retry_build(self, rule: Rule, username, project, build_num, ssh=False, vcs_type='github'):
        """getJobDetails, listWorkflowJobs, rerunWorkflow(jobs=[id], enable_ssh=ssh)."""
        return translate.retry(self._v2, rule.id, self._slug(vcs_type, username, project), build_num,
                               ssh=ssh, wait=self.wait, timeout=self.timeout)

    @deprecated_method
    def clear_cache(self, rule: Rule, username, project, vcs_type='github'):
        """Raises CacheClearingRemoved; with cache_env_var, rotates that project variable."""
        slug = self._slug(vcs_type, username, project)
        if not self.cache_env_var:
            raise CacheClearingRemoved(slug, rule.id)
        return translate.rotate_cache_env_var(self._v2, slug, self.cache_env_var)

    @deprecated_method
    def get_recent_builds(self, rule: Rule, limit=30, offset=0):
        """listPipelines + workflows + jobs as v1.1 build dicts, newest first."""
        emulated = translate.emulated_query(rule.id, {"limit": limit, "offset": offset}, strict=self.strict)
        return translate.recent_builds(self._v2, self.org, **emulated)

    # -- still served by v1.1 ------------------------------------------------------------------

    def get_user_info(self):
        return self._request('GET', 'me')

    def get_projects(self):
        return self._request('GET', 'projects')

    def follow_project(self, username, project, vcs_type='github'):
        return self._request('POST', self._project(vcs_type, username, project) + '/follow')

    def get_project_build_summary(self, username, project, limit=30, offset=0, status_filter=None, branch=None,
                                  vcs_type='github'):
        if status_filter not in (None, 'completed', 'successful', 'failed', 'running'):
            raise InvalidFilterError(status_filter, 'status')
        path = self._project(vcs_type, username, project) + (f'/tree/{branch}' if branch else '')
        query = {"limit": limit, "offset": offset}
        if status_filter:
            query["filter"] = status_filter
        return self._request('GET', f"{path}?{urlencode(query)}")

    def get_build_info(self, username, project, build_num, vcs_type='github'):
        if self.use_v2:
            slug = self._slug(vcs_type, username, project)
            job = dict(self._v2.get_job(slug, build_num))
            pipeline = dict(self._v2.get_pipeline(job["pipeline"]["id"]))
            workflow = dict(job.get("latest_workflow") or {})
            summary = build_summary(slug, pipeline, workflow, {**job, "job_number": job.get("number")},
                                    web_root=app_url(self._v2.base_url))
            summary["parallel"] = job.get("parallelism")
            return summary
        return self._request('GET', f"{self._project(vcs_type, username, project)}/{build_num}")

    def get_artifacts(self, username, project, build_num, vcs_type='github'):
        if self.use_v2:
            return [{**a, "pretty_path": a.get("path")} for a in
                    self._v2.list_job_artifacts(self._slug(vcs_type, username, project), build_num)]
        return self._request('GET', f"{self._project(vcs_type, username, project)}/{build_num}/artifacts")

    def get_latest_artifact(self, username, project, branch=None, status_filter='completed', vcs_type='github'):
        if status_filter not in ('completed', 'successful', 'failed'):
            raise InvalidFilterError(status_filter, 'artifacts')
        query = {"branch": branch, "filter": status_filter} if branch else {"filter": status_filter}
        return self._request('GET', f"{self._project(vcs_type, username, project)}/latest/artifacts?"
                             f"{urlencode(query)}")

    def download_artifact(self, url, destdir=None, filename=None):
        return self._download(url, destdir, filename)

    def cancel_build(self, username, project, build_num, vcs_type='github'):
        if self.use_v2:
            return dict(self._v2.cancel_job(self._slug(vcs_type, username, project), build_num))
        return self._request('POST', f"{self._project(vcs_type, username, project)}/{build_num}/cancel")

    def add_ssh_user(self, username, project, build_num, vcs_type='github'):
        return self._request('POST', f"{self._project(vcs_type, username, project)}/{build_num}/ssh-users")

    def add_ssh_key(self, username, project, ssh_key, vcs_type='github', hostname=None):
        return self._request('POST', self._project(vcs_type, username, project) + '/ssh-key',
                             data={"hostname": hostname, "private_key": ssh_key})

    def list_checkout_keys(self, username, project, vcs_type='github'):
        if self.use_v2:
            return [dict(k) for k in self._v2.list_checkout_keys(self._slug(vcs_type, username, project))]
        return self._request('GET', self._project(vcs_type, username, project) + '/checkout-key')

    def create_checkout_key(self, username, project, key_type, vcs_type='github'):
        if key_type not in ('deploy-key', 'github-user-key'):
            raise BadKeyError(key_type)
        if self.use_v2:  # v2 names the user key "user-key"
            return dict(self._v2.create_checkout_key(self._slug(vcs_type, username, project),
                                                     "deploy-key" if key_type == "deploy-key" else "user-key"))
        return self._request('POST', self._project(vcs_type, username, project) + '/checkout-key',
                             data={"type": key_type})

    def get_checkout_key(self, username, project, fingerprint, vcs_type='github'):
        if self.use_v2:
            return dict(self._v2.get_checkout_key(self._slug(vcs_type, username, project), fingerprint))
        return self._request('GET', f"{self._project(vcs_type, username, project)}/checkout-key/{fingerprint}")

    def delete_checkout_key(self, username, project, fingerprint, vcs_type='github'):
        if self.use_v2:
            return dict(self._v2.delete_checkout_key(self._slug(vcs_type, username, project), fingerprint))
        return self._request('DELETE', f"{self._project(vcs_type, username, project)}/checkout-key/{fingerprint}")

    def add_heroku_key(self, apikey):
        return self._request('POST', 'user/heroku-key', data={"apikey": apikey})

    def get_test_metadata(self, username, project, build_num, vcs_type='github'):
        if self.use_v2:
            return {"tests": [dict(t) for t in
                              self._v2.list_job_tests(self._slug(vcs_type, username, project), build_num)]}
        return self._request('GET', f"{self._project(vcs_type, username, project)}/{build_num}/tests")

    def list_envvars(self, username, project, vcs_type='github'):
        if self.use_v2:
            return [dict(e) for e in self._v2.list_env_vars(self._slug(vcs_type, username, project))]
        return self._request('GET', self._project(vcs_type, username, project) + '/envvar')

    def add_envvar(self, username, project, name, value, vcs_type='github'):
        if self.use_v2:
            return dict(self._v2.create_env_var(self._slug(vcs_type, username, project), name, value))
        return self._request('POST', self._project(vcs_type, username, project) + '/envvar',
                             data={"name": name, "value": value})

    def get_envvar(self, username, project, name, vcs_type='github'):
        if self.use_v2:
            return dict(self._v2.get_env_var(self._slug(vcs_type, username, project), name))
        return self._request('GET', f"{self._project(vcs_type, username, project)}/envvar/{name}")

    def delete_envvar(self, username, project, name, vcs_type='github'):
        if self.use_v2:
            return dict(self._v2.delete_env_var(self._slug(vcs_type, username, project), name))
        return self._request('DELETE', f"{self._project(vcs_type, username, project)}/envvar/{name}")


class Experimental(Api):
    """circleci.experimental.Experimental."""

    @deprecated_method  # the rule's shim note, in the warning, says the cache is kept
    def retry_no_cache(self, rule: Rule, username, project, build_num, vcs_type='github'):
        """rerunWorkflow of the job; v2 cannot skip the cache, so this warns and reruns with it."""
        return translate.retry(self._v2, rule.id, self._slug(vcs_type, username, project), build_num,
                               wait=self.wait, timeout=self.timeout)


__all__: List[str] = ["Api", "Experimental", "CircleCIException", "BadVerbError", "BadKeyError",
                      "InvalidFilterError", "CacheClearingRemoved", "StrictModeError", "PipelineErrored"]
