"""Python libraries that run a command line, and where each takes the command.

This describes Python libraries (as http_calls.py does for HTTP clients), not CircleCI's API, so it lives
beside the analysis that reads it rather than in the rules' catalogue. A curl (wget, httpie) command line handed to one of these runs:
its finding is as sure as its URL. One handed to any other call is still reported, low, with
`unknown_runner` as the reason: check cannot see that the callee runs it.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, FrozenSet, Optional, Set, Tuple

# qualified function -> (position, keyword) of the command it runs (a string for a shell, or an argv list)
RUNNER_FUNCTIONS: Dict[str, Tuple[int, str]] = {
    **{f"subprocess.{name}": (0, "args") for name in ("run", "call", "check_call", "check_output", "Popen")},
    "subprocess.getoutput": (0, "cmd"),
    "subprocess.getstatusoutput": (0, "cmd"),
    "os.system": (0, "command"),
    "os.popen": (0, "cmd"),
    "asyncio.create_subprocess_shell": (0, "cmd"),
    "commands.getoutput": (0, "cmd"),  # Python 2
    "commands.getstatusoutput": (0, "cmd"),
    "pexpect.spawn": (0, "command"),
    "pexpect.spawnu": (0, "command"),
    "pexpect.run": (0, "command"),
    "pexpect.runu": (0, "command"),
    "pexpect.popen_spawn.PopenSpawn": (0, "cmd"),
    **{f"fabric.{module}.{name}": (0, "command") for module in ("api", "operations")
       for name in ("run", "local", "sudo")},
    "invoke.run": (0, "command"),
    "invoke.sudo": (0, "command"),
}
# functions that take the program and its arguments as separate arguments (argv spread over the call)
ARGV_FUNCTIONS = frozenset({"asyncio.create_subprocess_exec"})
# class -> its methods that run a command line, each with (position, keyword) of the command
RUNNER_METHODS: Dict[str, Dict[str, Tuple[int, str]]] = {
    **{cls: {"exec_command": (0, "command")} for cls in ("paramiko.SSHClient", "paramiko.client.SSHClient")},
    **{cls: {name: (0, "command") for name in ("run", "sudo", "local")}
       for cls in ("fabric.Connection", "fabric.connection.Connection", "invoke.Context", "invoke.context.Context")},
}
# decorators whose function gets a Context (invoke's, fabric 2's) as its first parameter
TASK_DECORATORS = frozenset({"invoke.task", "invoke.tasks.task", "fabric.task", "fabric.tasks.task"})
CONTEXT_METHODS: Dict[str, Tuple[int, str]] = {name: (0, "command") for name in ("run", "sudo", "local")}
# the sh package: sh.curl(...) and sh.Command("curl")(...) run a program with the call's arguments
SH_MODULE = "sh"
# the callee names of every runner above (the last part of a function's name, a method's name)
RUNNER_NAMES = frozenset({q.rpartition(".")[2] for q in RUNNER_FUNCTIONS | dict.fromkeys(ARGV_FUNCTIONS)}
                         | {name for methods in RUNNER_METHODS.values() for name in methods} | set(CONTEXT_METHODS))

# calls that show a string to a person (printed, logged, written out, raised, asserted): a URL or a command
# line handed to them is neither sent nor run (read by evidence.py for routes too)
SHOWN = frozenset({
    "print", "debug", "info", "warning", "warn", "error", "exception", "critical", "log", "echo", "secho",
    "write", "fail", "skip", "Exception", "RuntimeError", "ValueError", "TypeError", "KeyError", "OSError",
    "AssertionError", "NotImplementedError", "assertEqual", "assertIn",
})
# and calls that build a longer string or a collection from it: a command line there is not run by them
_NOT_RUNNERS = SHOWN | {
    "format", "join", "replace", "split", "quote", "strip", "rstrip", "lstrip", "encode", "decode", "append",
    "extend", "insert", "dedent", "str", "len", "isinstance", "startswith", "endswith", "add_argument",
    "set_description", "setdefault",
}
# the programs that send HTTP from a command line (curl, wget, httpie's http/https/xh), as a word: in the
# source (a file without one runs none) and in a literal (an argument that may be such a command line)
_PROGRAMS = r"(?:curl|wget|https?|httpie|xhs?)"
TOOL_WORD = re.compile(rf"curl|wget|(?<![\w.-]){_PROGRAMS}(?![\w:./-])", re.IGNORECASE)
_WORD_AT = re.compile(rf"(?<![\w.-]){_PROGRAMS}(?![\w:./-])", re.IGNORECASE)
_TOOL_LITERAL = re.compile(rf"(?:^|[\s/]){_PROGRAMS}(?:\.exe)?(?:$|\s)", re.IGNORECASE)


def mentions_http_tool(source: str) -> bool:
    """TOOL_WORD.search(source) is not None, found without running the regex at every position of the text.

    The regex tries its lookbehind at every character (about 6 ms on a 100 KB module, more than the rest of a
    large candidate's analysis adds); here plain substring searches find the few places it can match.
    """
    low = source.lower()
    if len(low) != len(source):  # a character whose lower case is longer: positions differ, ask the regex
        return TOOL_WORD.search(source) is not None
    if "curl" in low or "wget" in low:
        return True
    for start_word in ("http", "xh"):
        at = low.find(start_word)
        while at >= 0:
            if _WORD_AT.match(source, at):
                return True
            at = low.find(start_word, at + 1)
    return False


def unknown_runner(callee: str) -> str:
    """The reason a curl handed to a callee this table does not know is low."""
    return f"the command is passed to {callee}, which check does not know runs it"


def callee_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


class CommandArguments:
    """Which calls of a module are handed something that may be a curl, wget or httpie command line.

    Cheap and syntactic: an argument that holds a literal naming one of those programs, or a name assigned such an
    expression in the module. What the argument really is, the evaluation decides.
    """

    def __init__(self, strings: "list[ast.Constant]", tree: ast.Module) -> None:
        self.literals: Set[int] = {id(c) for c in strings if _TOOL_LITERAL.search(c.value)}
        self.names: Set[str] = set()
        if not self.literals:
            return
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None \
                    and self._holds(node.value, names=False):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        self.names.add(t.id)
                    elif isinstance(t, ast.Attribute):
                        self.names.add(t.attr)

    def _holds(self, node: ast.AST, names: bool = True) -> bool:
        for n in ast.walk(node):
            if isinstance(n, ast.Constant) and id(n) in self.literals:
                return True
            if names and isinstance(n, ast.Name) and n.id in self.names:
                return True
            if names and isinstance(n, ast.Attribute) and n.attr in self.names:
                return True
        return False

    def carries(self, call: ast.Call) -> bool:
        """The call is handed such a command line, maybe (and is not one that only shows or builds strings)."""
        if not self.literals or callee_name(call) in _NOT_RUNNERS:
            return False
        return any(self._holds(a) for a in self.arguments(call))

    @staticmethod
    def arguments(call: ast.Call) -> "list[ast.expr]":
        return [a for a in call.args if not isinstance(a, ast.Starred)] + [k.value for k in call.keywords if k.arg]


def is_task_context(name: str, func: Optional[ast.AST], decorators: FrozenSet[str]) -> bool:
    """`name` is the first parameter of `func`, a function decorated as an invoke/fabric task."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or not decorators & TASK_DECORATORS:
        return False
    params = func.args.posonlyargs + func.args.args
    return bool(params) and params[0].arg == name
