"""The v1.1 build parameter that ran one job (CIRCLE_JOB), and the v2 pipeline parameter it becomes.

Decided here, once, from the config rule's `config.job_parameter` (CCI140): the
Python fixer, the text fixer, the config check and edit (migrate/) and the shim
(shim/translate.py) all ask `pipeline_parameter_name` and report `JobParameter.done`,
so a trigger's CIRCLE_JOB goes by the same v2 name, with the same note, whichever
front end carries it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# the v2 trigger's field that carries pipeline parameters: the one whose keys are renamed
PARAMETERS_FIELD = "parameters"


@dataclass(frozen=True)
class JobParameter:
    """The v1.1 build parameter that selected one job, and what v2 gets instead."""

    build_parameter: str  # CIRCLE_JOB
    pipeline_parameter: str  # run-job
    workflow: str  # run-{job}
    note: str

    def workflow_name(self, job: str) -> str:
        return self.workflow.replace("{job}", job)

    def name_of(self, name: str) -> str:
        """The v2 name of build parameter `name` (only the job parameter changes)."""
        return self.pipeline_parameter if name == self.build_parameter else name

    @property
    def done(self) -> str:
        """What the fix report and the shim's warning say of the rename."""
        return f"{self.build_parameter} -> {self.pipeline_parameter} ({self.note})"


def job_parameter(catalogue: Any = None) -> JobParameter:
    """The catalogue's job parameter (the bundled catalogue when none is given).

    LookupError when no config rule declares one."""
    if catalogue is None:
        from .loader import load_catalogue

        catalogue = load_catalogue()
    for rule in catalogue:
        data = rule.config.get("job_parameter") if rule.kind == "config" else None
        if isinstance(data, Mapping):
            return JobParameter(str(data["build_parameter"]), str(data["pipeline_parameter"]),
                                str(data["workflow"]), " ".join(str(data.get("note", "")).split()))
    raise LookupError("no config rule of the catalogue declares config.job_parameter")


def pipeline_parameter_name(name: str, catalogue: Any = None) -> str:
    """The v2 pipeline parameter a v1.1 build parameter becomes (CIRCLE_JOB -> run-job; others keep their name)."""
    return job_parameter(catalogue).name_of(name)
