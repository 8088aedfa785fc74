"""The code keeps its shape (issue 24): one rule for who commits, and no private names across packages."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "hearing"

#: Modules that end a change themselves: the one helper views use, the once-per-key helper it builds on,
#: and command-line commands (a command is its own request).
COMMITS_ALLOWED = {"actions.py", "idempotency.py", "cli.py", "exports/cli.py", "mail/cli.py"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if not rel.startswith("migrations/"):
            yield rel, path.read_text(encoding="utf-8")


def test_views_commit_through_the_one_helper():
    """Services flush; a view ends the request's change through hearing.actions (save, save_once,
    confirmed_action or commit), never with db.session.commit() of its own."""
    offenders = [f"{rel}:{n}" for rel, text in _modules() if rel not in COMMITS_ALLOWED
                 for n, line in enumerate(text.splitlines(), 1) if "db.session.commit()" in line]
    assert offenders == []


def _area(module: str) -> str:
    """hearing.review.board -> hearing.review; hearing.actions -> hearing.actions."""
    return ".".join(module.split(".")[:2])


def test_no_private_names_are_imported_from_another_area():
    """A name starting with ``_`` belongs to its area; shared pieces get a public name in a low module
    (hearing.core, hearing.documents, …) instead."""
    offenders = []
    for rel, text in _modules():
        here = _area("hearing." + rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__"))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hearing"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__") and _area(node.module) != here:
                        offenders.append(f"{rel}:{node.lineno} {node.module}.{alias.name}")
    assert offenders == []


def test_core_imports_no_area():
    """hearing.core is the bottom: it may import only the standard library, Flask's and its own modules."""
    for path in sorted((ROOT / "core").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hearing"):
                assert node.module.startswith("hearing.core"), f"{path.name} imports {node.module}"


def test_the_report_module_listens_when_responses_change(app):
    """Answers, moderation and deletion tell the reports through a signal instead of importing them."""
    from hearing.core.signals import responses_changed
    from hearing.reporting.services import _on_responses_changed

    assert _on_responses_changed in [ref() for ref in responses_changed.receivers.values()]


def test_the_app_and_its_commands_start_without_the_engines_libraries():
    """scikit-learn, SciPy's statistics and matplotlib load when a grouping runs or a chart is drawn, not when a
    web or job worker or a `flask` command starts (1.6 s of each start-up, and their memory in every web worker)."""
    import subprocess
    import sys

    script = ("import sys; from hearing import create_app; "
              "app = create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 't', "
              "'JOBS_LOCAL_WORKER': False}); app.test_cli_runner().invoke(args=['themes', '--help']); "
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'matplotlib', 'umap'}), "
              "'scipy.stats' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT.parent, capture_output=True, text=True,  # noqa: S603
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("\n")[-2] == "[] False", result.stdout


def test_the_engines_names_load_on_first_use():
    """hearing.themes gives each name of its ``__all__`` from the module that defines it."""
    import hearing.themes as themes

    assert sorted(themes.__all__) == sorted(themes._WHERE)
    for name in themes.__all__:
        assert getattr(themes, name) is not None
    assert themes.EMBEDDING_MODEL == __import__("hearing.themes.vectorize", fromlist=["x"]).EMBEDDING_MODEL
