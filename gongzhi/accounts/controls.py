"""Controls as code: reads `controls.yaml` (clause → test ids), checks the ids exist and prints
the table that docs/security.md carries. `python -m gongzhi.accounts.controls --write` rewrites
the table in docs/security.md between its markers."""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTROLS = ROOT / "controls.yaml"
DOC = ROOT / "docs" / "security.md"
BEGIN, END = "<!-- controls:begin -->", "<!-- controls:end -->"
CLAUSES = [f"A{i}" for i in range(1, 27)]  # the research note's control table


def load() -> dict[str, dict]:
    return yaml.safe_load(CONTROLS.read_text(encoding="utf-8"))


@cache
def _tests_in(path: str) -> frozenset[str]:
    file = ROOT / path
    if not file.is_file():
        return frozenset()
    tree = ast.parse(file.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    )


def exists(test_id: str) -> bool:
    path, _sep, name = test_id.partition("::")
    return bool(name) and name in _tests_in(path)


def table() -> str:
    lines = ["| # | 控制项 | 条款 | 证明它的测试 | 尚未完成 |", "|---|---|---|---|---|"]
    for clause, entry in load().items():
        tests = "<br>".join(f"`{t.split('/')[-1]}`" for t in entry.get("tests") or []) or "—"
        lines.append(
            f"| {clause} | {entry['control']} | {entry['clause']} | {tests} | {entry.get('open', '') or ''} |"
        )
    return "\n".join(lines) + "\n"


def rendered_doc() -> str:
    text = DOC.read_text(encoding="utf-8")
    head, _b, rest = text.partition(BEGIN)
    _old, _e, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}{END}{tail}"


if __name__ == "__main__":
    if "--write" in sys.argv:
        DOC.write_text(rendered_doc(), encoding="utf-8")
    else:
        sys.stdout.write(table())
