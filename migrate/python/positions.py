"""Positions for findings: 1-based character columns, and each call's ordinal.

ast gives columns in UTF-8 bytes; findings speak characters. The call ordinal
(`call_index`) is how the fixer finds the same call again in its libcst tree.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Tuple

_NEWLINE = re.compile(r"\r\n|\r|\n")

Span = Tuple[int, int, int, int]


class Positions:
    def __init__(self, source: str, tree: ast.AST) -> None:
        self.source = source
        self.tree = tree
        self._lines: Optional[List[str]] = None
        self._order: Optional[Dict[int, int]] = None

    def _line(self, lineno: int) -> str:
        if self._lines is None:
            self._lines = _NEWLINE.split(self.source)
        if 1 <= lineno <= len(self._lines):
            return self._lines[lineno - 1]
        return ""

    def char_col(self, lineno: int, byte_col: int) -> int:
        """0-based character column of a UTF-8 byte column on a line."""
        line = self._line(lineno)
        if line.isascii():
            return byte_col
        return len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> Span:
        """(line, column, end_line, end_column): 1-based, end exclusive, columns in characters."""
        line = node.lineno
        end_line = getattr(node, "end_lineno", None) or line
        col = self.char_col(line, node.col_offset) + 1
        end_byte = getattr(node, "end_col_offset", None)
        end_col = self.char_col(end_line, end_byte) + 1 if end_byte is not None else col
        return line, col, end_line, end_col

    def call_index(self, call: Optional[ast.Call]) -> int:
        """Ordinal of `call` among all calls, sorted by (start, -end); -1 when there is no call."""
        if call is None:
            return -1
        if self._order is None:
            calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call)]
            calls.sort(key=lambda c: (c.lineno, c.col_offset, -(c.end_lineno or 0), -(c.end_col_offset or 0)))
            self._order = {id(c): i for i, c in enumerate(calls)}
        return self._order.get(id(call), -1)
