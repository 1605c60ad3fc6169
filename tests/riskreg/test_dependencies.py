"""Dependencies run one way: basics and editing <- registers <- governance <- riskreg.

The reminders app reads registers and governance and is named only by the project. The
API (api/) reads registers and governance through their access modules and is named only
by the project's urls and settings; of the project it uses only the audit log's leaves.

Read with Python's `ast` over the source tree, so that it stays true: `basics` and
`editing` import no other riskreg code, `registers` imports neither `governance` nor the
project package, and `governance` does not import the project package. Migrations may
name the project package only through the shim kept for them (`riskreg.richtext`).
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
MIGRATION_SHIMS = {"riskreg.richtext"}
FORBIDDEN = {
    "basics": {"riskreg", "registers", "governance", "editing", "reminders"},
    "editing": {"riskreg", "registers", "governance", "basics", "reminders"},
    "registers": {"riskreg", "governance", "reminders"},
    "governance": {"riskreg", "reminders"},
    # The reminders sit above the apps and beside the project: the project's urls and
    # settings name them, so they name nothing of the project (roles by permission).
    "reminders": {"riskreg"},
    # The API sits beside the project too; it writes the audit log (its token events and
    # refusals) through the project's leaf modules, which import no app.
    "api": {"riskreg", "reminders"},
}
# Modules of a forbidden package an app may still import.
ALLOWED = {"api": {"riskreg.audit", "riskreg.models", "riskreg.security"}}
# Only these modules of the project name the API: its urls (and settings, as text).
NAMES_API = {"riskreg/urls.py"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, relative imports made absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def violations(app: str) -> list[str]:
    wrong = []
    for path in sorted((ROOT / app).rglob("*.py")):
        in_migration = "migrations" in path.parts
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top not in FORBIDDEN[app]:
                continue
            if in_migration and module in MIGRATION_SHIMS:
                continue
            if module in ALLOWED.get(app, ()):
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return wrong


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_imports_only_what_comes_before_it(app):
    assert not violations(app), "\n".join(violations(app))


def test_only_the_projects_urls_name_the_api():
    naming = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "riskreg").rglob("*.py")
        if any(module.split(".")[0] == "api" for _, module in imported_modules(path))
    }
    assert naming <= NAMES_API, naming


def test_the_project_modules_the_api_uses_lead_back_to_neither_it_nor_reminders():
    # Leaves of the project: they import what the apps below them are, never back up.
    for module in ALLOWED["api"]:
        path = ROOT / (module.replace(".", "/") + ".py")
        tops = {name.split(".")[0] for _, name in imported_modules(path)}
        assert not tops & {"reminders", "api"}, module
        project = {name for _, name in imported_modules(path) if name.startswith("riskreg")}
        assert project <= ALLOWED["api"], (module, project)


def test_the_check_sees_the_imports_it_must_refuse():
    # The reader itself: a module of registers importing governance or the project is found,
    # whether the import is absolute or relative.
    module = ROOT / "registers" / "_probe_for_dependency_test.py"
    module.write_text("from governance.models import Recommendation\nfrom ..riskreg import roles\n")
    try:
        assert violations("registers") == [
            "registers/_probe_for_dependency_test.py:1 imports governance.models",
            "registers/_probe_for_dependency_test.py:2 imports riskreg",
        ]
    finally:
        module.unlink()


def test_registers_templates_name_nothing_of_governance():
    for template in (ROOT / "templates" / "registers").rglob("*.html"):
        assert "governance" not in template.read_text(encoding="utf-8"), template
