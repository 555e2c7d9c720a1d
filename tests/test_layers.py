"""The house rules of docs/DEVELOPING.md, enforced rather than remembered: who may import what,
no import cycle at module level, no module over 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "shoptool"

# Plain functions over rows and settings: no database, spreadsheets, printing or terminal.
DOMAIN = (
    "shoptool.address", "shoptool.divisions", "shoptool.stock", "shoptool.merge", "shoptool.postage", "shoptool.notes",
    "shoptool.reviews", "shoptool.orders", "shoptool.cs_lists", "shoptool.phones", "shoptool.privacy", "shoptool.purge",
    "shoptool.kpi",
    "shoptool.customers",
    "shoptool.messages.due", "shoptool.messages.rules", "shoptool.messages.outbox", "shoptool.messages.delivery",
    "shoptool.messages.templates",
    "shoptool.logistics",
    "shoptool.aftersale",
)
DOMAIN_MAY_NOT = ("shoptool.db", "shoptool.tables", "shoptool.output", "shoptool.imports", "shoptool.jobs",
                  "shoptool.cli", "sqlite3", "sqlite_utils", "openpyxl", "python_calamine", "rich", "typer")
# The use cases: everything but the faces.
JOBS_MAY_NOT = ("shoptool.cli", "shoptool.output", "typer", "rich")
# The MCP face: over the jobs, never over the command line; stdout belongs to the protocol, so
# nothing that prints. Only its server module imports the SDK.
MCP = "shoptool.mcp_server"
MCP_MAY_NOT = ("shoptool.cli", "shoptool.output", "typer", "rich")
MCP_SDK = ("mcp", "mcp_types", "anyio")
# The HTML report: draws panels the jobs computed; it neither queries, parses a command line nor
# prints through the terminal's renderer.
REPORT = "shoptool.report"
REPORT_MAY_NOT = ("shoptool.cli", "shoptool.db", "shoptool.jobs", "shoptool.output", "sqlite3", "sqlite_utils",
                  "typer", "rich")
MAX_LINES = 500


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if not MODULES[module].name == "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, *, top_level_only: bool = False) -> set[str]:
    """Every module `module` imports (`from x import y` counts y when it is a module)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and top_level_only:
            continue  # `if TYPE_CHECKING:` blocks
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & set(MODULES)
            found.update(submodules)
            if len(submodules) < len(node.names):  # names defined in `base` itself
                found.add(base)
    return found


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("module", [m for m in MODULES if not _within(m, ("shoptool.cli", "shoptool.__main__"))])
def test_only_the_command_line_imports_the_command_line_or_typer(module):
    wrong = {name for name in imports(module) if _within(name, ("shoptool.cli", "typer", "click"))}
    assert not wrong, f"{module} imports {sorted(wrong)}"


@pytest.mark.parametrize("module", [m for m in MODULES if _within(m, DOMAIN)])
def test_domain_modules_are_plain_functions_over_rows(module):
    wrong = {name for name in imports(module) if _within(name, DOMAIN_MAY_NOT)}
    assert not wrong, f"{module} imports {sorted(wrong)}"


@pytest.mark.parametrize("module", [m for m in MODULES if _within(m, ("shoptool.jobs",))])
def test_jobs_neither_parse_nor_print(module):
    wrong = {name for name in imports(module) if _within(name, JOBS_MAY_NOT)}
    assert not wrong, f"{module} imports {sorted(wrong)}"


@pytest.mark.parametrize("module", [m for m in MODULES if _within(m, (MCP,))])
def test_the_mcp_server_stands_on_the_jobs_and_only_its_server_module_imports_the_sdk(module):
    wrong = {name for name in imports(module) if _within(name, MCP_MAY_NOT)}
    assert not wrong, f"{module} imports {sorted(wrong)}"
    if module != f"{MCP}.server":
        sdk = {name for name in imports(module) if _within(name, MCP_SDK)}
        assert not sdk, f"{module} imports {sorted(sdk)}: only {MCP}.server may"


@pytest.mark.parametrize("module", [m for m in MODULES if _within(m, (REPORT,))])
def test_the_report_draws_what_jobs_computed(module):
    wrong = {name for name in imports(module) if _within(name, REPORT_MAY_NOT)}
    assert not wrong, f"{module} imports {sorted(wrong)}"
    jinja = {name for name in imports(module, top_level_only=True) if _within(name, ("jinja2", "markupsafe"))}
    assert not jinja, f"{module} imports {sorted(jinja)} at module level: only drawing a page may load it"


def test_nothing_outside_the_mcp_server_imports_it_but_the_mcp_command():
    users = {m for m in MODULES if not _within(m, (MCP,)) and any(_within(i, (MCP,)) for i in imports(m))}
    assert users <= {"shoptool.cli.mcp_cmd"}, sorted(users)
    sdk = {m for m in MODULES if not _within(m, (MCP,)) and any(_within(i, MCP_SDK) for i in imports(m))}
    assert not sdk, sorted(sdk)


def test_command_modules_import_no_other_command_module():
    commands = [m for m in MODULES if m.startswith("shoptool.cli.") and m.endswith("_cmd")]
    assert commands
    for module in commands:
        others = {name for name in imports(module) if name in commands and name != module}
        assert not others, f"{module} imports {sorted(others)}"
        assert "shoptool.cli.commands" not in imports(module), f"{module} imports the table of contents"


def test_no_import_cycle_at_module_level():
    graph = {m: {i for i in imports(m, top_level_only=True) if i in MODULES and i != m} for m in MODULES}
    seen, stack, cycles = set(), [], []

    def visit(node):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for child in sorted(graph[node]):
            visit(child)
        stack.pop()

    for module in sorted(graph):
        visit(module)
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles[:5])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_500_lines(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module}: {lines} lines"
