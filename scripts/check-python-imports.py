"""Fails on an import cycle among the training/ modules (the dependency rules' Python half; the
TypeScript half is .dependency-cruiser.cjs). Counts every import, also those inside functions.
Usage: python3 scripts/check-python-imports.py [package-dir]   (default training)"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def imports_of(path: Path, package: str, modules: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level == 1 or base.split('.')[0] == package:
                name = base.split('.')[-1] if base else ''
                names = [name] if name else [a.name for a in node.names]
                found.update(n for n in names if n in modules)
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split('.')
                if parts[0] == package and len(parts) > 1 and parts[1] in modules:
                    found.add(parts[1])
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (c := visit(n)):
                return c
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (c := visit(m)):
            return c
    return None


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else 'training')
    files = {p.stem: p for p in root.glob('*.py') if p.stem != '__init__'}
    graph = {m: imports_of(p, root.name, set(files)) - {m} for m, p in files.items()}
    cycle = find_cycle(graph)
    if cycle:
        print(f'import cycle in {root}/: ' + ' → '.join(f'{m}.py' for m in cycle), file=sys.stderr)
        return 1
    print(f'{root}/: {len(files)} modules, no import cycle')
    return 0


if __name__ == '__main__':
    sys.exit(main())
