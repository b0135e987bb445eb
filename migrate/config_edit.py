"""Write what the triggers need (config_plan.ConfigNeeds) into a .circleci/config.yml, in place.

The YAML is edited with ruamel.yaml's round-trip mode, which keeps comments,
key order, quoting, anchors and aliases; the file is first loaded and dumped
unedited with the indentation guessed from it, and a file that does not come
back byte for byte is left alone (its layout would change in lines we never
meant to touch). The edits, each done only when missing, so that a second run
changes nothing:

- `version: 2` becomes `2.1` (parameters and workflow conditions need it);
- each parameter is declared under the top-level `parameters:`;
- each job whose steps (or the commands they call) read `$NAME` or `${NAME}`
  gets `NAME: << pipeline.parameters.NAME >>` in its `environment:`;
- each job selected with the job parameter gets a workflow of its own, gated
  with `when: {equal: [<job>, << pipeline.parameters.run-job >>]}`, and every
  other workflow is gated with `unless: << pipeline.parameters.run-job >>`.

A config this cannot edit safely is left as it is, with the reason: one that
is not plain YAML (templated), says it is generated, is a dynamic setup config
(`setup: true`), whose workflows run orb jobs that may read a parameter, or
whose jobs take their environment from an anchor shared with other jobs.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .config_plan import ConfigNeeds, JobParameter

# the layouts tried, as ruamel's (mapping, sequence, offset) indents; the first that gives the file back wins
_INDENTS = ((2, 2, 0), (2, 4, 2), (4, 4, 0), (4, 6, 4), (4, 4, 2), (2, 3, 1), (3, 3, 0), (4, 2, 0))
_GENERATED = re.compile(r"generated|do not edit|don't edit", re.IGNORECASE)
_TEMPLATE = re.compile(r"\{%|%\}|<%|\{\{-")
_PARAM_SYNTAX = re.compile(r"<<\s*[\w.-]+\s*>>")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOP_ORDER = ("version", "setup", "orbs")  # `parameters:` goes after these


class Refused(Exception):
    """The config is left alone; str(error) says why."""


@dataclass
class ConfigEdit:
    path: str
    before: str
    after: str
    changes: List[str] = field(default_factory=list)  # what was edited, one line each
    notes: List[str] = field(default_factory=list)  # what a person should still look at
    refused: Optional[str] = None  # why nothing was edited

    @property
    def changed(self) -> bool:
        return self.refused is None and self.after != self.before


def ref(name: str) -> str:
    return f"<< pipeline.parameters.{name} >>"


def edit_text(text: str, needs: ConfigNeeds, jp: JobParameter, path: str = ".circleci/config.yml") -> ConfigEdit:
    result = ConfigEdit(path, text, text)
    try:
        result.after = _Editor(text, needs, jp, result).run()
    except Refused as exc:
        result.refused = str(exc)
        result.after = text
        result.changes = []
    return result


def reads_variable(text: str, name: str) -> bool:
    return re.search(r"\$\{?" + re.escape(name) + r"(?![A-Za-z0-9_])", text) is not None


class _Editor:
    def __init__(self, text: str, needs: ConfigNeeds, jp: JobParameter, result: ConfigEdit) -> None:
        self.text = text
        self.needs = needs
        self.jp = jp
        self.result = result
        self.unedited = text  # what ruamel writes for the file before any edit
        self.added: set = set()  # the parameters this edit declares

    # ---- load and dump ------------------------------------------------------------------------------

    def _yaml(self, indent: Tuple[int, int, int]) -> Any:
        from ruamel.yaml import YAML

        yaml = YAML()  # round-trip
        yaml.preserve_quotes = True
        yaml.width = 1 << 16  # never fold a long line
        mapping, sequence, offset = indent
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        return yaml

    def load(self) -> Tuple[Any, Any]:
        """(ruamel YAML set to the file's layout, the document); Refused when it cannot be edited safely."""
        from ruamel.yaml.comments import CommentedMap
        from ruamel.yaml.error import YAMLError

        head = "\n".join(line for line in self.text.splitlines()[:5] if line.lstrip().startswith("#"))
        if _GENERATED.search(head):
            raise Refused("the config says it is generated: change its source instead")
        if _TEMPLATE.search(self.text):
            raise Refused("the config holds template syntax ({% %}, <% %}): change the template instead")
        try:
            first = self._yaml(_INDENTS[0]).load(self.text)
        except YAMLError as exc:
            raise Refused(f"the config is not plain YAML ({' '.join(str(exc).split())[:120]}); "
                          "a templated config is edited at its source") from None
        if not isinstance(first, CommentedMap):
            raise Refused("the config's top level is not a mapping")
        if first.get("setup") is True:
            raise Refused("a dynamic setup config (`setup: true`): the parameters belong in the config it continues "
                          "with, and are passed on by the continuation step")
        if "\r" in self.text or "\t" in self.text:
            raise Refused("the config uses CR line ends or tabs, which a round-trip edit would not keep")
        best: Optional[Tuple[int, Any, Any, str]] = None
        for indent in _INDENTS:
            yaml = self._yaml(indent)
            data = yaml.load(self.text)
            dumped = self._dump(yaml, data)
            if dumped == self.text:
                self.unedited = dumped
                return yaml, data
            changed = _changed_lines(dumped, self.text)
            if best is None or changed < best[0]:
                best = (changed, yaml, data, dumped)
        assert best is not None
        # ruamel writes a few things its own way (`[{a: b}]` as `[a: b]`): the edit is then carried over
        # to the file as written, line by line (splice), and nothing else of it changes
        self.unedited = best[3]
        return best[1], best[2]

    @staticmethod
    def _dump(yaml: Any, data: Any) -> str:
        out = io.StringIO()
        yaml.dump(data, out)
        return out.getvalue()

    # ---- the edit --------------------------------------------------------------------------------------

    def run(self) -> str:
        from ruamel.yaml.comments import CommentedMap

        needs = self.needs
        if needs.problems:
            raise Refused("; ".join(needs.problems))
        yaml, data = self.load()
        jobs = data.get("jobs")
        if not isinstance(jobs, CommentedMap):
            raise Refused("the config has no `jobs:` mapping")
        for name in needs.declarations:
            if not _NAME.match(name):
                raise Refused(f"`{name}` cannot be a pipeline parameter name (letters, digits, _ and -)")
        self._check_orbs(data, jobs)
        self._version(data)
        self._declare(data)
        self._environment(data, jobs)
        self._workflows(data, jobs)
        if not self.result.changes:
            return self.text
        edited = self._dump(yaml, data)
        if self.unedited == self.text:
            return edited
        return splice(self.text, self.unedited, edited)

    def _check_orbs(self, data: Any, jobs: Any) -> None:
        orb_jobs = sorted({name for name in self._workflow_job_names(data) if "/" in name})
        if not orb_jobs:
            return
        for name, decl in self.needs.declarations.items():
            if name == self.jp.pipeline_parameter or not decl.from_v1:
                continue
            if not any(reads_variable(self._job_text(data, job), name) for job in jobs.values()):
                raise Refused(f"no job of the config reads ${name}, and its workflows run orb jobs "
                              f"({', '.join(orb_jobs)}) that may: an orb's job cannot be given an environment here")
        selected = [j for j in self.needs.jobs if "/" in j]
        if selected:
            raise Refused(f"a trigger selects the orb job {selected[0]}: give it a workflow by hand")

    def _version(self, data: Any) -> None:
        version = data.get("version")
        if str(version) == "2.1":
            return
        if str(version) not in ("2", "2.0"):
            raise Refused(f"`version: {version}` is not a config version this edits (2, 2.0 or 2.1)")
        if _PARAM_SYNTAX.search(self.text):
            raise Refused("the version 2 config already holds `<< ... >>`, which version 2.1 would read as "
                          "parameter syntax")
        data["version"] = 2.1
        self.result.changes.append(f"version: {version} -> 2.1 (pipeline parameters and workflow conditions "
                                   "need it)")
        workflows = data.get("workflows")
        jobs = data["jobs"]
        if workflows is None and "build" in jobs:
            # 2.0 ran the `build` job of a config without workflows; 2.1 runs workflows only
            from ruamel.yaml.comments import CommentedMap, CommentedSeq

            flow = CommentedMap()
            flow["build"] = CommentedMap([("jobs", CommentedSeq(["build"]))])
            append(data, "workflows", flow)
            self.result.changes.append("workflow `build` runs the `build` job, which version 2 ran without one")

    def _declare(self, data: Any) -> None:
        from ruamel.yaml.comments import CommentedMap
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        params = data.get("parameters")
        new_block = params is None
        if new_block:
            params = CommentedMap()
        elif not isinstance(params, CommentedMap):
            raise Refused("the config's `parameters:` is not a mapping")
        for name, decl in self.needs.declarations.items():
            if name in params:
                continue
            default = DoubleQuotedScalarString(decl.default) if isinstance(decl.default, str) else decl.default
            append(params, name, CommentedMap([("type", decl.type), ("default", default)]))
            self.added.add(name)
            sent = ", ".join(sorted({f"{u.path}:{u.line}" for u in decl.uses}))
            self.result.changes.append(f"parameters: {name} ({decl.type}, default {_show(decl.default)}), "
                                       f"sent by {sent}")
            if decl.type != "string" and name != self.jp.pipeline_parameter and decl.from_v1:
                self.result.notes.append(
                    f"`{name}` is {'an' if decl.type[0] in 'aeiou' else 'a'} {decl.type} with default {_show(decl.default)}: when a trigger does not send it, "
                    f"jobs see {_show(decl.default)} where v1.1 left the variable unset")
        if new_block and len(params):
            keys = list(data.keys())
            pos = max((keys.index(k) + 1 for k in _TOP_ORDER if k in keys), default=0)
            data.insert(pos, "parameters", params)
            if pos:
                last = params[list(params.keys())[-1]]
                self._move_comment(data, keys[pos - 1], last)

    @staticmethod
    def _move_comment(parent: Any, before: Optional[str], new: Any) -> None:
        """A comment after the key `new` was inserted behind stays with what followed it, not above `new`."""
        if before is None:
            return
        item = parent.ca.items.get(before)
        if not item or len(item) < 3 or item[2] is None:
            return
        token = item[2]
        value = token.value
        # the key's own line end (and one blank line) stay; the comment lines move below the new block
        if not isinstance(new, dict) or not len(new):
            return
        first = value.find("#")
        start = value.rfind("\n", 0, first) + 1 if first >= 0 else len(value)
        kept, moved = value[:start], value[start:]
        from ruamel.yaml.error import CommentMark
        from ruamel.yaml.tokens import CommentToken

        token.value = kept
        last = list(new.keys())[-1]
        new.ca.items.setdefault(last, [None, None, None, None])
        blank = "\n" if kept.count("\n") > 1 else ""
        new.ca.items[last][2] = CommentToken("\n" + blank + moved, CommentMark(0), None)

    # ---- jobs read parameters as environment variables -----------------------------------------------

    def _commands(self, data: Any) -> Dict[str, Any]:
        commands = data.get("commands")
        return dict(commands) if hasattr(commands, "items") else {}

    def _job_text(self, data: Any, job: Any) -> str:
        """Every string of a job, and of the reusable commands its steps call (once each)."""
        commands = self._commands(data)
        out: List[str] = []
        seen: set = set()

        def walk(node: Any) -> None:
            if isinstance(node, str):
                out.append(node)
                if node in commands and node not in seen:
                    seen.add(node)
                    walk(commands[node])
            elif hasattr(node, "items"):
                for key, value in node.items():
                    if isinstance(key, str) and key in commands and key not in seen:
                        seen.add(key)
                        walk(commands[key])
                    walk(value)
            elif isinstance(node, (list, tuple)):
                for item in node:
                    walk(item)

        walk(job)
        return "\n".join(out)

    def _environment(self, data: Any, jobs: Any) -> None:
        from ruamel.yaml.comments import CommentedMap

        for name, decl in self.needs.declarations.items():
            # a v2 trigger's parameter was never an environment variable: only build parameters are fed to jobs
            if name == self.jp.pipeline_parameter or not _ENV_NAME.match(name) or not decl.from_v1:
                continue
            readers = [job for job, body in jobs.items() if reads_variable(self._job_text(data, body), name)]
            if not readers and name in self.added and f"pipeline.parameters.{name}" not in self.text:
                self.result.notes.append(
                    f"no job's steps read ${name}: if a script a job runs reads it, add `{name}: {ref(name)}` "
                    "to that job's `environment:`")
            for job in readers:
                body = jobs[job]
                if not isinstance(body, CommentedMap):
                    raise Refused(f"job `{job}` is not a mapping")
                own = [k for k, _ in body.non_merged_items()]
                env = body.get("environment")
                if env is not None and "environment" not in own:
                    raise Refused(f"job `{job}` takes its `environment:` from a `<<:` merge; a key of its own would "
                                  "replace the merged one")
                if env is None:
                    env = CommentedMap()
                    pos = own.index("steps") if "steps" in own else len(own)
                    if body.merge:
                        pos += 1
                    body.insert(pos, "environment", env)
                elif not isinstance(env, CommentedMap):
                    raise Refused(f"job `{job}`'s `environment:` is not a mapping")
                elif env.anchor.value is not None:
                    raise Refused(f"job `{job}`'s `environment:` is an anchor other jobs may share (&{env.anchor.value})")
                if name in env:
                    if str(env[name]).strip() != ref(name):
                        self.result.notes.append(f"job `{job}` sets {name} in its environment already; left as it is")
                    continue
                env[name] = ref(name)
                self.result.changes.append(f"jobs.{job}.environment: {name}: {ref(name)} (the job reads ${name})")

    # ---- the job parameter: one workflow per selected job ------------------------------------------

    @staticmethod
    def _workflow_job_names(data: Any) -> Iterator[str]:
        workflows = data.get("workflows")
        if not hasattr(workflows, "items"):
            return
        for name, body in workflows.items():
            if name == "version" or not hasattr(body, "get"):
                continue
            for entry in body.get("jobs") or ():
                if isinstance(entry, str):
                    yield entry
                elif hasattr(entry, "keys"):
                    yield from (str(k) for k in entry.keys())

    def _workflows(self, data: Any, jobs: Any) -> None:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        if not self.needs.jobs:
            return
        param = self.jp.pipeline_parameter
        gate = ref(param)
        workflows = data.get("workflows")
        if workflows is None:
            workflows = CommentedMap()
            append(data, "workflows", workflows)
        ours = {self.jp.workflow_name(job) for job in self.needs.jobs}
        for name, body in list(workflows.items()):
            if name == "version" or name in ours or not isinstance(body, CommentedMap):
                continue
            when, unless = body.get("when"), body.get("unless")
            if f"pipeline.parameters.{param}" in f"{when} {unless}":
                continue
            if when is None and unless is None:
                body.insert(0, "unless", gate)
            elif unless is None:
                body["when"] = CommentedMap([("and", CommentedSeq([CommentedMap([("not", gate)]), when]))])
            else:
                body["unless"] = CommentedMap([("or", CommentedSeq([gate, unless]))])
            self.result.changes.append(f"workflows.{name}: unless {gate} (does not run when a trigger selects a job)")
        for job, uses in self.needs.jobs.items():
            if job not in jobs:
                raise Refused(f"a trigger selects job `{job}` ({uses[0].path}:{uses[0].line}), which the config "
                              "does not define")
            flow = self.jp.workflow_name(job)
            if flow in workflows:
                existing = workflows[flow]
                if f"pipeline.parameters.{param}" not in str(getattr(existing, "get", lambda _k: None)("when")):
                    raise Refused(f"workflow `{flow}` exists already and is not gated on {param}")
                continue
            equal = CommentedSeq([job, gate])
            equal.fa.set_flow_style()
            append(workflows, flow, CommentedMap([("when", CommentedMap([("equal", equal)])),
                                                  ("jobs", CommentedSeq([job]))]))
            self.result.changes.append(f"workflows.{flow}: runs job `{job}` alone when {param} is \"{job}\" "
                                       f"(v1.1 {self.jp.build_parameter}={job})")


def _last_comment(node: Any) -> Tuple[Any, Any, int]:
    """(container, key, slot) of the comment that follows the last line a mapping or sequence writes."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node):
        # ruamel keeps the comment after a mapping's value in slot 2 of its entry, after a list item in slot 0
        if isinstance(node, CommentedMap):
            last, slot = list(node.keys())[-1], 2
        else:
            last, slot = len(node) - 1, 0
        child = node[last]
        item = node.ca.items.get(last)
        if isinstance(child, (CommentedMap, CommentedSeq)) and len(child) and not (item and item[slot]):
            node = child
            continue
        return node, last, slot
    return None, None, 0


def append(mapping: Any, key: str, value: Any) -> None:
    """mapping[key] = value at the end, the blank lines and comments after the old last entry moved below it."""
    before, bkey, bslot = _last_comment(mapping)
    mapping[key] = value
    if before is None:
        return
    item = before.ca.items.get(bkey)
    if not item or item[bslot] is None:
        return
    token = item[bslot]
    after, akey, aslot = _last_comment(value)
    if after is None or after is before:
        return
    item[bslot] = None
    slots = after.ca.items.setdefault(akey, [None, None, None, None])
    slots[aslot] = token


def _changed_lines(a: str, b: str) -> int:
    import difflib

    matcher = difflib.SequenceMatcher(None, a.splitlines(), b.splitlines(), autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def splice(original: str, unedited: str, edited: str) -> str:
    """Carry the edit (unedited -> edited dump) over to the original text.

    The dumps differ from the original only where ruamel writes a line its own
    way; an edit that touches such a line is refused, every other line of the
    original is kept as it was.
    """
    import difflib

    orig = original.splitlines(keepends=True)
    rt = unedited.splitlines(keepends=True)
    new = edited.splitlines(keepends=True)
    # rt line index -> original line index: `same` where the lines are equal, `pos` also where a line is only
    # written differently (a block of as many lines), which is enough to insert next to it
    same: Dict[int, int] = {}
    pos: Dict[int, int] = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, rt, orig, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                pos[i1 + k] = j1 + k
                if tag == "equal":
                    same[i1 + k] = j1 + k
    pos[len(rt)] = len(orig)
    out: List[str] = []
    taken = 0  # original lines copied so far
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, rt, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if any(k not in same or same[k] != same[i1] + (k - i1) for k in range(i1, i2)):
            raise Refused("the edit would touch lines the YAML library writes differently from the file")
        if i1 not in pos:
            raise Refused("the edit would land next to lines the YAML library writes differently from the file")
        at = pos[i1]
        if at < taken:
            raise Refused("the edit could not be placed in the file as written")
        out.extend(orig[taken:at])
        out.extend(new[j1:j2])
        taken = at + (i2 - i1)
    out.extend(orig[taken:])
    return "".join(out)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '""' if not value else f'"{value}"'
    return str(value)
