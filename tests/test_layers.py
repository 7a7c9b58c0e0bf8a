"""The layers of ``readingroom/`` point one way (docs/architecture.md, "Layers"), read from the syntax trees.

1. **base**: settings, configuration, the database router, who is acting (the request context)
2. **records**: the models of every app, and the queries and the public serialisation of the records
3. **services**: history, search, names, archives, scans, publishing, import, preservation, the unit of work,
   the listing and the workflow
4. **interfaces**: pages, the JSON API, IIIF and OAI-PMH views, the admin, URLs, middleware, template tags,
   management commands, the app configurations and the CLI

Checked here, for every module but the migrations:

* every module has a layer in :data:`LAYERS` (a new module fails until it is given one);
* no module-level import points to a higher layer;
* the module-level imports among ``readingroom`` modules have no cycle;
* an import inside a function says why it is not at module level: a ``# deferred: <reason>`` comment on its
  line or just above it (or above the group of imports it starts). Legitimate reasons: Django's app registry
  (``AppConfig.ready``), a heavy or optional library loaded only when used, a package whose modules import
  it back. An import that only dodged a cycle belongs at module level.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "readingroom"

BASE, RECORDS, SERVICES, INTERFACES = 1, 2, 3, 4
NAMES = {BASE: "base", RECORDS: "records", SERVICES: "services", INTERFACES: "interfaces"}

#: module -> layer. Every module of the package is listed (migrations aside); so is every package.
LAYERS: dict[str, int] = {
    # -- 1. base: configuration, the router, who is acting
    "readingroom": BASE,
    "readingroom.config": BASE,
    "readingroom.settings": BASE,
    "readingroom.dbrouter": BASE,
    "readingroom.dbrouter.base": BASE,
    "readingroom.accounts": BASE,
    "readingroom.accounts.addresses": BASE,
    "readingroom.accounts.acting": BASE,
    # -- 2. records: models, and the queries and serialisation every reader starts from
    "readingroom.accounts.models": RECORDS,
    "readingroom.archives": RECORDS,
    "readingroom.archives.models": RECORDS,
    "readingroom.archives.keys": RECORDS,
    "readingroom.archives.linktypes": RECORDS,
    "readingroom.documents": RECORDS,
    "readingroom.documents.models": RECORDS,
    "readingroom.history": RECORDS,
    "readingroom.history.models": RECORDS,
    "readingroom.names": RECORDS,
    "readingroom.names.models": RECORDS,
    "readingroom.preservation": RECORDS,
    "readingroom.preservation.models": RECORDS,
    "readingroom.scans": RECORDS,
    "readingroom.scans.models": RECORDS,
    "readingroom.search": RECORDS,
    "readingroom.search.models": RECORDS,
    "readingroom.records": RECORDS,
    "readingroom.records.params": RECORDS,
    "readingroom.records.queries": RECORDS,
    "readingroom.records.seeding": RECORDS,
    "readingroom.records.serialise": RECORDS,
    # -- 3. services
    "readingroom.accounts.backends": SERVICES,
    "readingroom.accounts.roles": SERVICES,
    "readingroom.archives.hierarchy": SERVICES,
    "readingroom.archives.resolve": SERVICES,
    "readingroom.archives.seeddata": SERVICES,
    "readingroom.archives.services": SERVICES,
    "readingroom.documents.exporters": SERVICES,
    "readingroom.documents.services": SERVICES,
    "readingroom.documents.text": SERVICES,
    "readingroom.history.importing": SERVICES,
    "readingroom.history.services": SERVICES,
    "readingroom.history.signals": SERVICES,
    "readingroom.ingest": SERVICES,
    "readingroom.ingest.bootstrap": SERVICES,
    "readingroom.ingest.citation": SERVICES,
    "readingroom.ingest.dates": SERVICES,
    "readingroom.ingest.errors": SERVICES,
    "readingroom.ingest.languages": SERVICES,
    "readingroom.ingest.limits": SERVICES,
    "readingroom.ingest.normalise": SERVICES,
    "readingroom.ingest.pipeline": SERVICES,
    "readingroom.ingest.readers": SERVICES,
    "readingroom.ingest.readers.csv_table": SERVICES,
    "readingroom.ingest.readers.jsonl": SERVICES,
    "readingroom.ingest.readers.seed": SERVICES,
    "readingroom.ingest.readers.tei": SERVICES,
    "readingroom.ingest.readers.un_speech": SERVICES,
    "readingroom.ingest.store": SERVICES,
    "readingroom.ingest.validate": SERVICES,
    "readingroom.names.persons": SERVICES,
    "readingroom.names.seeddata": SERVICES,
    "readingroom.names.services": SERVICES,
    "readingroom.names.signals": SERVICES,
    "readingroom.names.translit": SERVICES,
    "readingroom.names.variants": SERVICES,
    "readingroom.preservation.backup": SERVICES,
    "readingroom.preservation.bag": SERVICES,
    "readingroom.preservation.bagcheck": SERVICES,
    "readingroom.preservation.fixity": SERVICES,
    "readingroom.publish": SERVICES,
    "readingroom.publish.citations": SERVICES,
    "readingroom.publish.csl": SERVICES,
    "readingroom.publish.feeds": SERVICES,
    "readingroom.publish.formats": SERVICES,
    "readingroom.publish.metadata": SERVICES,
    "readingroom.publish.oai": SERVICES,
    "readingroom.publish.services": SERVICES,
    "readingroom.publish.sitemaps": SERVICES,
    "readingroom.records.unitofwork": SERVICES,
    "readingroom.scans.attach": SERVICES,
    "readingroom.scans.contentsearch": SERVICES,
    "readingroom.scans.images": SERVICES,
    "readingroom.scans.jobs": SERVICES,
    "readingroom.scans.manifest": SERVICES,
    "readingroom.scans.ocr": SERVICES,
    "readingroom.scans.pdf": SERVICES,
    "readingroom.scans.storage": SERVICES,
    "readingroom.search.analysis": SERVICES,
    "readingroom.search.lemmas": SERVICES,
    "readingroom.search.backends": SERVICES,
    "readingroom.search.backends.base": SERVICES,
    "readingroom.search.backends.pg_tsquery": SERVICES,
    "readingroom.search.backends.postgres": SERVICES,
    "readingroom.search.backends.tantivy_backend": SERVICES,
    "readingroom.search.documents": SERVICES,
    "readingroom.search.feed": SERVICES,
    "readingroom.search.healing": SERVICES,
    "readingroom.search.indexing": SERVICES,
    "readingroom.search.query": SERVICES,
    "readingroom.search.services": SERVICES,
    "readingroom.search.snippets": SERVICES,
    "readingroom.search.writer": SERVICES,
    # -- 4. interfaces: HTTP (pages, API, IIIF, OAI-PMH, feeds), the admin, commands, the CLI, the app configs
    "readingroom.accounts.apps": INTERFACES,
    "readingroom.accounts.forms": INTERFACES,
    "readingroom.api": INTERFACES,
    "readingroom.api.apps": INTERFACES,
    "readingroom.api.openapi": INTERFACES,
    "readingroom.api.urls": INTERFACES,
    "readingroom.api.views": INTERFACES,
    "readingroom.archives.admin": INTERFACES,
    "readingroom.archives.apps": INTERFACES,
    "readingroom.archives.urls": INTERFACES,
    "readingroom.archives.views": INTERFACES,
    "readingroom.documents.admin": INTERFACES,
    "readingroom.documents.apps": INTERFACES,
    "readingroom.documents.pagecache": INTERFACES,
    "readingroom.documents.views": INTERFACES,
    "readingroom.history.admin": INTERFACES,
    "readingroom.history.apps": INTERFACES,
    "readingroom.history.middleware": INTERFACES,
    "readingroom.history.views": INTERFACES,
    "readingroom.ingest.apps": INTERFACES,
    "readingroom.names.admin": INTERFACES,
    "readingroom.names.apps": INTERFACES,
    "readingroom.names.urls": INTERFACES,
    "readingroom.names.views": INTERFACES,
    "readingroom.preservation.apps": INTERFACES,
    "readingroom.publish.apps": INTERFACES,
    "readingroom.publish.views": INTERFACES,
    "readingroom.scans.admin": INTERFACES,
    "readingroom.scans.apps": INTERFACES,
    "readingroom.scans.views": INTERFACES,
    "readingroom.search.apps": INTERFACES,
    "readingroom.search.views": INTERFACES,
    "readingroom.urls": INTERFACES,
    "readingroom.web": INTERFACES,
    "readingroom.web.align": INTERFACES,
    "readingroom.web.apps": INTERFACES,
    "readingroom.web.charts": INTERFACES,
    "readingroom.web.context": INTERFACES,
    "readingroom.web.http": INTERFACES,
    "readingroom.web.i18n": INTERFACES,
    "readingroom.web.msgfmt": INTERFACES,
    "readingroom.web.views": INTERFACES,
    "readingroom.wsgi": INTERFACES,
}
#: whole subtrees on top by what they are: the CLI (a package of command groups), management commands and
#: template tags (Django loads them by name)
INTERFACE_PACKAGES = ("readingroom.cli",)
INTERFACE_PARTS = ("management", "templatetags")


def _under(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def layer_of(module: str) -> int | None:
    if module in LAYERS:
        return LAYERS[module]
    if _under(module, INTERFACE_PACKAGES) or any(part in INTERFACE_PARTS for part in module.split(".")):
        return INTERFACES
    return None


def modules() -> dict[str, Path]:
    """Every module of the package (dotted name -> file), migrations aside."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        if "migrations" in rel.parts:
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        found[".".join(parts)] = path
    return found


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> list[str]:
    """The ``readingroom`` modules an import statement loads (the longest known prefix of each name)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        # ``from package import module`` names a module; ``from module import name`` the module itself
        names = [f"{source}.{a.name}" if f"{source}.{a.name}" in known else source for a in node.names]
    out = []
    for name in names:
        if name != "readingroom" and not name.startswith("readingroom."):
            continue
        while name not in known and "." in name:
            name = name.rsplit(".", 1)[0]
        out.append(name)
    return out


def _imports(tree: ast.Module):
    """(import node, inside a function?) for every import statement of a module."""
    out = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.append((child, inside))
            walk(child, inside)

    walk(tree, False)
    return out


def graph() -> tuple[dict[str, dict[str, int]], list[tuple[str, int, str]]]:
    """(module -> {imported module: line} of the module-level imports, [(module, line, text)] of the imports
    inside functions that carry no reason)."""
    found = modules()
    known = set(found)
    edges: dict[str, dict[str, int]] = {}
    unexplained = []
    for module, path in found.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node, inside in _imports(ast.parse(source)):
            if inside:
                if not _explained(lines, node):
                    unexplained.append((module, node.lineno, ast.unparse(node)))
                continue
            for target in _targets(module, path.name == "__init__.py", node, known):
                if target != module:
                    edges.setdefault(module, {}).setdefault(target, node.lineno)
    return edges, unexplained


def _explained(lines: list[str], node: ast.AST) -> bool:
    """A ``# deferred: reason`` comment on the import's line, or above it and the imports grouped with it."""
    if "# deferred:" in lines[node.lineno - 1] or "# deferred:" in lines[node.end_lineno - 1]:
        return True
    i = node.lineno - 2
    while i >= 0:
        text = lines[i].strip()
        if text.startswith("# deferred:"):
            return True
        if text and not text.startswith(("import ", "from ", ")")) and not text.endswith((",", "(")):
            return False
        i -= 1
    return False


def _cycle(edges: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle of the graph, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(edges.get(module, {})):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(edges):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_every_module_has_a_layer():
    missing = [m for m in modules() if layer_of(m) is None]
    assert missing == [], (
        "modules with no layer: add each to LAYERS in tests/test_layers.py (and to docs/architecture.md):\n"
        + "\n".join(missing)
    )
    stale = [m for m in LAYERS if m not in modules()]
    assert stale == [] or set(stale) <= {"readingroom.ingest.bootstrap", "readingroom.search.healing"}, (
        f"LAYERS names modules that are gone: {stale}"
    )


def test_imports_point_down():
    edges, _ = graph()
    upward = [
        f"{module} ({NAMES[layer_of(module)]}) imports {target} ({NAMES[layer_of(target)]}), line {line}"
        for module, targets in sorted(edges.items())
        for target, line in sorted(targets.items())
        if layer_of(module) is not None and layer_of(target) is not None and layer_of(target) > layer_of(module)
    ]
    assert upward == [], "imports that point to a higher layer:\n" + "\n".join(upward)


def test_no_import_cycles():
    edges, _ = graph()
    cycle = _cycle(edges)
    assert cycle is None, "module-level import cycle: " + " -> ".join(cycle)


def test_imports_inside_functions_say_why():
    _, unexplained = graph()
    assert unexplained == [], (
        "imports inside functions with no '# deferred: <reason>' beside them (move them to module level, or "
        "write why they cannot be there):\n" + "\n".join(f"{m}:{line}: {text}" for m, line, text in unexplained)
    )


def test_the_checks_find_what_they_look_for():
    """The detectors themselves: a cycle is found, an unexplained deferred import is found, a reason counts."""
    assert _cycle({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": 1}, "b": {"c": 1}}) is None
    source = (
        "def f():\n"
        "    from x import y\n"
        "def g():\n"
        "    # deferred: heavy\n"
        "    from x import y\n\n"
        "    import z\n"
        "def h():\n"
        "    import w  # deferred: optional\n"
    )
    lines = source.splitlines()
    explained = [_explained(lines, node) for node, inside in _imports(ast.parse(source)) if inside]
    assert explained == [False, True, True, True]
    assert layer_of("readingroom.cli.records") == INTERFACES
    assert layer_of("readingroom.documents.management.commands.x") == INTERFACES
    assert layer_of("readingroom.new_module") is None
