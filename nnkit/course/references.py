"""Static scan for uses of the nnkit references a chapter asks its students to write.

``course.yml`` lists, per chapter, dotted names such as ``nnkit.costs.quadratic_cost``.
A student notebook must not import or touch them (the student writes them), and a
mutant that "just calls the reference" is recognised by the same scan.

What counts as a use, for a forbidden name ``nnkit.costs.quadratic_cost``:

- ``from nnkit.costs import quadratic_cost`` (any alias) and ``from nnkit.costs import *``;
- an attribute chain that resolves to it through the imports seen so far:
  ``import nnkit.costs`` then ``nnkit.costs.quadratic_cost``; ``from nnkit import costs as C``
  then ``C.quadratic_cost``; ``import nnkit`` then ``nnkit.costs.quadratic_cost``;
- ``getattr(<module>, "quadratic_cost")`` on such a module;
- with ``strings=True`` only: the dotted name written out in a string (``eval`` tricks). Off by
  default because a test cell may legitimately name a reference in a message or a trap.

Imports of the module itself (``from nnkit import costs``) are fine: a module holds
other things a chapter may use. IPython syntax (``%matplotlib inline``, ``!pip``) is
translated to Python before parsing; a cell that still does not parse is scanned as text.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class ReferenceUse:
    """One use of a forbidden name."""

    cell: int | None  # index of the notebook cell (None for a lone source)
    line: int
    name: str  # the forbidden dotted name
    text: str  # the source line

    def describe(self) -> str:
        where = f"cell {self.cell}, line {self.line}" if self.cell is not None else f"line {self.line}"
        return f"{where}: uses {self.name}: {self.text.strip()}"


def _to_python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())


def _chain(node: ast.AST) -> list[str] | None:
    """``a.b.c`` -> ``["a", "b", "c"]`` (None if the root is not a plain name)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


class ReferenceScanner:
    """Scan code for uses of ``forbidden`` names; keeps import aliases across calls (cells).

    Parameters
    ----------
    forbidden : iterable of str
        Dotted names such as ``"nnkit.costs.quadratic_cost"``.
    strings : bool
        Also flag string constants that spell a forbidden name.
    """

    def __init__(self, forbidden: Iterable[str], strings: bool = False):
        self.forbidden = tuple(sorted(set(forbidden)))
        self.strings = strings
        self.aliases: dict[str, str] = {}  # local name -> dotted module/object path

    def _hit(self, dotted: str) -> str | None:
        for f in self.forbidden:
            if dotted == f or dotted.startswith(f + "."):
                return f
        return None

    def _resolve(self, parts: list[str]) -> str | None:
        root = self.aliases.get(parts[0])
        if root is None:
            return None
        return ".".join([root, *parts[1:]])

    def scan(self, source: str, cell: int | None = None) -> list[ReferenceUse]:
        """Uses of forbidden names in ``source`` (also records its imports for later cells)."""
        if not self.forbidden:
            return []
        code = _to_python(source)
        lines = code.splitlines()
        try:
            tree = ast.parse(code)
        except SyntaxError:
            return self._scan_text(source, cell)

        found: dict[tuple[int, str], ReferenceUse] = {}

        def add(lineno: int, name: str) -> None:
            text = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
            found.setdefault((lineno, name), ReferenceUse(cell, lineno, name, text))

        # Pass 1: imports (anywhere in the cell) bind aliases; top-level defs unbind them.
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        top = a.name.split(".")[0]
                        self.aliases[top] = top
                    if (hit := self._hit(a.name)):
                        add(node.lineno, hit)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    if a.name == "*":
                        for f in self.forbidden:
                            if f.rsplit(".", 1)[0] == node.module or f.startswith(node.module + "."):
                                add(node.lineno, f)
                        continue
                    dotted = f"{node.module}.{a.name}"
                    self.aliases[a.asname or a.name] = dotted
                    if (hit := self._hit(dotted)):
                        add(node.lineno, hit)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.aliases.pop(node.name, None)
        # Pass 2: uses.
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            elif isinstance(node, ast.Attribute):
                parts = _chain(node)
                if parts and (dotted := self._resolve(parts)) and (hit := self._hit(dotted)):
                    add(node.lineno, hit)
            elif isinstance(node, ast.Name):
                if (dotted := self.aliases.get(node.id)) and (hit := self._hit(dotted)) and isinstance(node.ctx, ast.Load):
                    add(node.lineno, hit)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                  and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                  and isinstance(node.args[1].value, str)):
                parts = _chain(node.args[0])
                if parts and (dotted := self._resolve(parts)):
                    if (hit := self._hit(f"{dotted}.{node.args[1].value}")):
                        add(node.lineno, hit)
            elif self.strings and isinstance(node, ast.Constant) and isinstance(node.value, str):
                for f in self.forbidden:
                    if re.search(rf"(?<![\w.]){re.escape(f)}(?![\w])", node.value):
                        add(node.lineno, f)
        return sorted(found.values(), key=lambda u: (u.line, u.name))

    def _scan_text(self, source: str, cell: int | None) -> list[ReferenceUse]:
        out = []
        for i, line in enumerate(source.splitlines(), 1):
            for f in self.forbidden:
                module, name = f.rsplit(".", 1)
                if re.search(rf"(?<![\w.]){re.escape(f)}(?!\w)", line) or re.search(
                        rf"from\s+{re.escape(module)}\s+import\b.*\b{re.escape(name)}\b", line):
                    out.append(ReferenceUse(cell, i, f, line))
        return out


def scan_notebook(nb, forbidden: Iterable[str], strings: bool = False) -> list[ReferenceUse]:
    """Uses of ``forbidden`` names in the code cells of notebook ``nb``, top to bottom."""
    scanner = ReferenceScanner(forbidden, strings)
    uses = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            uses.extend(scanner.scan(cell.source, cell=i))
    return uses


def scan_source(source: str, forbidden: Iterable[str], context: Iterable[str] = (),
                strings: bool = False) -> list[ReferenceUse]:
    """Uses of ``forbidden`` names in ``source``, with the imports of ``context`` sources known."""
    scanner = ReferenceScanner(forbidden, strings)
    for ctx in context:
        scanner.scan(ctx)
    return scanner.scan(source)


# --------------------------------------------------------------------------- concepts -> names
def _code_names(code) -> set[str]:
    """Every global/attribute name a code object (and the functions nested in it) mentions."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _code_names(const)
    return names


def _mentions(obj, kernel_names: set[str], kernel_ids: set[int]) -> bool:
    import inspect

    if inspect.isclass(obj):
        for raw in vars(obj).values():
            fn = getattr(raw, "__func__", raw)
            if id(fn) in kernel_ids or (hasattr(fn, "__code__") and _code_names(fn.__code__) & kernel_names):
                return True
        return False
    return hasattr(obj, "__code__") and bool(_code_names(obj.__code__) & kernel_names)


def forbidden_names(concepts: Iterable[str]) -> list[str]:
    """The dotted nnkit names a chapter that forbids ``concepts`` must not use (sorted).

    For every kernel of the concepts (:func:`nnkit.concepts.functions`): the kernel itself, every
    nnkit module attribute bound to it (an alias), and the public functions and classes of the
    kernel's own module that call it (``nnkit.costs.quadratic_cost``, ``QuadraticCost``). Other
    modules that merely use a kernel (``Network``, a widget) are not the reference and stay
    usable. Unknown concepts are skipped (``nnkit verify``'s manifest check reports them).
    """
    import sys

    from nnkit import concepts as registry

    kernels = []
    for concept in concepts:
        try:
            kernels += registry.functions(concept)
        except KeyError:
            continue
    if not kernels:
        return []
    kernel_ids = {id(k) for k in kernels}
    names = {f"{k.__module__}.{k.__qualname__}" for k in kernels}
    for mod_name, module in list(sys.modules.items()):
        if module is None or not (mod_name == "nnkit" or mod_name.startswith("nnkit.")):
            continue
        for attr, value in list(vars(module).items()):
            if id(value) in kernel_ids:
                names.add(f"{mod_name}.{attr}")
    for module_name in {k.__module__ for k in kernels}:
        module = sys.modules[module_name]
        kernel_names = {k.__name__ for k in kernels if k.__module__ == module_name}
        for attr, value in vars(module).items():
            if attr.startswith("_") or getattr(value, "__module__", None) != module_name:
                continue
            if _mentions(value, kernel_names, kernel_ids):
                names.add(f"{module_name}.{attr}")
    return sorted(names)
