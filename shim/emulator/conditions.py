"""The part of config compilation the emulator does: pipeline values, `<< >>` in strings, logic statements.

At a trigger the service compiles the config with the pipeline's values:
`<< pipeline.parameters.x >>` (the declared default, or what the trigger
sent), `<< pipeline.git.branch >>`, `<< pipeline.git.tag >>`,
`<< pipeline.trigger_source >>`; a workflow runs when its `when:` holds and
its `unless:` does not. A logic statement is a value (its truthiness: false,
null, 0, NaN, "" and empty lists or maps are false) or one of
`{and: [...]}`, `{or: [...]}`, `{not: x}`, `{equal: [...]}` (all equal) and
`{matches: {pattern:, value:}}` (a full regex match), nested at will.

A reference to a value the pipeline does not have is a compile error, as on
the service ("Unknown variable(s): ...").
"""
from __future__ import annotations

import math
import re
from typing import Any, Dict, List, Mapping, Optional

_REF = re.compile(r"<<\s*(pipeline\.[A-Za-z0-9_.-]+)\s*>>")


class CompileError(ValueError):
    """The config cannot be compiled with these values; str(error) is the service's message."""


def pipeline_values(parameters: Mapping[str, Any], branch: Optional[str], tag: Optional[str],
                    trigger_source: str = "api") -> Dict[str, Any]:
    """The values `<< pipeline.* >>` can name, parameters already merged with their defaults."""
    values: Dict[str, Any] = {f"pipeline.parameters.{k}": v for k, v in parameters.items()}
    values["pipeline.git.branch"] = branch or ""
    values["pipeline.git.tag"] = tag or ""
    values["pipeline.trigger_source"] = trigger_source
    return values


def interpolate(node: Any, values: Mapping[str, Any]) -> Any:
    """`node` with every `<< pipeline.x >>` replaced: a string that is only a reference keeps the value's type."""
    if isinstance(node, str):
        whole = _REF.fullmatch(node.strip())
        if whole is not None:
            return _lookup(whole.group(1), values)
        return _REF.sub(lambda m: _text(_lookup(m.group(1), values)), node)
    if isinstance(node, Mapping):
        return {k: interpolate(v, values) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [interpolate(v, values) for v in node]
    return node


def unknown_references(node: Any, values: Mapping[str, Any]) -> List[str]:
    """The `<< pipeline.x >>` names in `node` that the pipeline has no value for."""
    found: List[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, str):
            for m in _REF.finditer(n):
                if m.group(1) not in values and m.group(1) not in found:
                    found.append(m.group(1))
        elif isinstance(n, Mapping):
            for v in n.values():
                walk(v)
        elif isinstance(n, (list, tuple)):
            for v in n:
                walk(v)

    walk(node)
    return found


def _lookup(name: str, values: Mapping[str, Any]) -> Any:
    if name not in values:
        raise CompileError(f"Unknown variable(s): {name}")
    return values[name]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


def evaluate(statement: Any, values: Mapping[str, Any]) -> bool:
    """A logic statement's truth with these pipeline values (CompileError for a malformed one)."""
    if isinstance(statement, Mapping):
        if len(statement) != 1:
            raise CompileError(f"A logic statement has exactly one operator, not {sorted(statement)}")
        (op, arg), = statement.items()
        if op == "and":
            return all(evaluate(s, values) for s in _list(op, arg))
        if op == "or":
            return any(evaluate(s, values) for s in _list(op, arg))
        if op == "not":
            return not evaluate(arg, values)
        if op == "equal":
            items = [_value(s, values) for s in _list(op, arg)]
            return all(item == items[0] and type(item) is type(items[0]) for item in items[1:])
        if op == "matches":
            if not isinstance(arg, Mapping) or set(arg) != {"pattern", "value"}:
                raise CompileError("`matches` takes {pattern: ..., value: ...}")
            return re.fullmatch(str(arg["pattern"]), _text(_value(arg["value"], values))) is not None
        raise CompileError(f"Unknown logic operator: {op}")
    return truthy(_value(statement, values))


def _value(statement: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(statement, Mapping):
        return evaluate(statement, values)
    return interpolate(statement, values)


def _list(op: str, arg: Any) -> List[Any]:
    if not isinstance(arg, (list, tuple)) or not arg:
        raise CompileError(f"`{op}` takes a non-empty list")
    return list(arg)
