"""Walking the platform's own code for the enumerated security tests: its modules, classes and call sites."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("crms", "risk_engine", "workbench", "rif", "pca", "indicators", "analysis")


def project_modules():
    for package in PACKAGES:
        module = importlib.import_module(package)
        yield module
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if ".migrations" in info.name or info.name.endswith(("__main__", ".wsgi", ".asgi")):
                continue
            yield importlib.import_module(info.name)


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative:
                yield relative, ast.parse(path.read_text())


def calls(tree, names: set[str]):
    """(enclosing qualified function name, call) for every call of one of ``names``."""

    def walk(node, scope):
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = [*scope, child.name]
            if isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in names:
                    yield ".".join(scope) or "<module>", child
            yield from walk(child, inner)

    yield from walk(tree, [])
