"""Repository checks: the addons are well-formed before Odoo even loads them."""

import ast
import csv
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
ADDONS = sorted(p.parent for p in (ROOT / "addons").glob("*/__manifest__.py"))
XML_FILES = sorted((ROOT / "addons").rglob("*.xml"))
OLD_VIEW_SYNTAX = (
    (re.compile(r"<tree[\s>]"), "<tree> is <list> since Odoo 17"),
    (
        re.compile(r"\sattrs\s*="),
        "attrs= is replaced by invisible=/readonly=/required= expressions",
    ),
    (re.compile(r"\sstates\s*="), "states= is replaced by invisible= expressions"),
)


def manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text())


def declared_models(addon):
    """Models an addon creates (a _name), transient ones included; abstract
    models (report renderers, mixins) have no records to give access to."""
    models = set()
    for path in addon.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            abstract = isinstance(node, ast.ClassDef) and any(
                getattr(base, "attr", None) == "AbstractModel" for base in node.bases
            )
            if isinstance(node, ast.ClassDef) and not abstract:
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and isinstance(stmt.value, ast.Constant)
                        and any(getattr(t, "id", None) == "_name" for t in stmt.targets)
                    ):
                        models.add(stmt.value.value)
    return models


def test_three_addons():
    assert [a.name for a in ADDONS] == ["crm_ecommerce", "crm_fulfillment", "crm_loyalty"]


@pytest.mark.parametrize("addon", ADDONS, ids=lambda a: a.name)
def test_manifest(addon):
    data = manifest(addon)
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", data["version"])
    assert data["license"] == "LGPL-3"
    for key in ("name", "summary", "author", "website", "category", "depends"):
        assert data.get(key), f"{addon.name}: manifest has no {key}"
    assert "installable" not in data
    for key in ("data", "demo"):
        for rel in data.get(key, []):
            assert (addon / rel).is_file(), f"{addon.name}: {key} file {rel} does not exist"
    for files in data.get("assets", {}).values():
        for pattern in files:
            rel = pattern.split("/", 1)[1]
            assert list(addon.glob(rel)), f"{addon.name}: asset {pattern} matches nothing"


@pytest.mark.parametrize("addon", ADDONS, ids=lambda a: a.name)
def test_every_model_has_access_rules(addon):
    csv_path = addon / "security" / "ir.model.access.csv"
    rows = list(csv.DictReader(csv_path.open())) if csv_path.exists() else []
    covered = {row["model_id:id"].split(".")[-1] for row in rows}
    missing = {m for m in declared_models(addon) if "model_" + m.replace(".", "_") not in covered}
    assert not missing, f"{addon.name}: no access rule for {sorted(missing)}"


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_xml_parses_and_uses_odoo_18_syntax(path):
    etree.parse(str(path))
    text = path.read_text()
    for pattern, why in OLD_VIEW_SYNTAX:
        assert not pattern.search(text), f"{path.name}: {why}"


@pytest.mark.parametrize("addon", ADDONS, ids=lambda a: a.name)
def test_readme_and_packaging(addon):
    for fragment in ("DESCRIPTION.md", "USAGE.md", "CONFIGURE.md"):
        assert (addon / "readme" / fragment).read_text().strip()
    pyproject = (addon / "pyproject.toml").read_text()
    assert f'name = "odoo-addon-{addon.name}"' in pyproject
    assert 'build-backend = "whool.buildapi"' in pyproject


@pytest.mark.parametrize("addon", ADDONS, ids=lambda a: a.name)
def test_readme_rst_follows_the_fragments(addon):
    """README.rst is what docs/readme_rst.py makes of readme/*.md: the
    Apps store and PyPI show it, so it must not lag behind."""
    spec = importlib.util.spec_from_file_location("readme_rst", ROOT / "docs" / "readme_rst.py")
    readme_rst = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readme_rst)
    expected = readme_rst.render(addon)
    assert (addon / "README.rst").read_text() == expected, "run python3 docs/readme_rst.py"
    for image in re.findall(r"static/description/([\w.-]+\.png)", expected):
        assert (addon / "static" / "description" / image).is_file(), image


@pytest.mark.parametrize("addon", ADDONS, ids=lambda a: a.name)
def test_indonesian_translation_is_complete(addon):
    """Every term of the addon's .pot has an Indonesian translation: none
    missing, none fuzzy, none left over, and gettext finds no broken
    placeholder."""
    import polib

    pot = polib.pofile(str(addon / "i18n" / f"{addon.name}.pot"))
    po_path = addon / "i18n" / "id.po"
    po = polib.pofile(str(po_path))
    translated = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    missing = [e.msgid for e in pot if (e.msgctxt, e.msgid) not in translated]
    assert not missing, f"{po_path.name} lacks {len(missing)} terms, first: {missing[:3]}"
    empty = [e.msgid for e in translated.values() if not e.msgstr or "fuzzy" in e.flags]
    assert not empty, f"{po_path.name}: untranslated or fuzzy: {empty[:3]}"
    extra = set(translated) - {(e.msgctxt, e.msgid) for e in pot}
    assert not extra, f"{po_path.name} translates terms the .pot no longer has: {sorted(extra)[:3]}"
    assert po.metadata.get("Language") == "id"
    check = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(po_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def test_docker_images_are_odoo_18():
    """Every image of docker/ (the shop's, with scipy, and the tests') is
    built on the official odoo:18.0 image, the one the README promises."""
    dockerfiles = sorted((ROOT / "docker").glob("*.Dockerfile"))
    assert {path.name for path in dockerfiles} >= {"odoo.Dockerfile", "tests.Dockerfile"}
    for path in dockerfiles:
        bases = re.findall(r"^FROM\s+(\S+)", path.read_text(), flags=re.MULTILINE)
        assert bases == ["odoo:18.0"], f"{path.name}: FROM {bases}"


def test_demo_xmlids_end_in_demo():
    for addon in ADDONS:
        for rel in manifest(addon).get("demo", []):
            for record in etree.parse(str(addon / rel)).iter("record"):
                assert record.get("id").endswith("_demo"), f"{rel}: {record.get('id')}"


SUDO = re.compile(r"\.sudo\(")


def uncommented_sudos(path, root=ROOT):
    """Lines of ``path`` that call sudo() with no comment saying why: on the
    line itself, or in the three lines above it (a comment may introduce a
    call written over several lines)."""
    lines = path.read_text().splitlines()
    missing = []
    for number, line in enumerate(lines, start=1):
        if not SUDO.search(line.split("#", 1)[0]):
            continue
        window = lines[max(0, number - 4) : number]
        if not any("#" in text for text in window):
            missing.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return missing


def test_every_sudo_says_why(tmp_path):
    """Each sudo() in the addons' code (tests aside) has a comment saying
    why it is safe: the reviewer of a new one sees the reasoning or its
    absence."""
    missing = [
        found
        for path in sorted((ROOT / "addons").rglob("*.py"))
        if "tests" not in path.relative_to(ROOT / "addons").parts
        for found in uncommented_sudos(path)
    ]
    assert not missing, "sudo() without a comment saying why it is safe:\n" + "\n".join(missing)
    # The check itself finds an uncommented call, and accepts a commented one.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "a = 1\nb = 2  # a comment too far above\nc = 3\nd = 4\ne = 5\n"
        "records.sudo().write({})\n"
        "# sudo: the caller's access was checked above\n"
        "other = (\n    records\n    .sudo()\n)\n"
        "x = 1\ny = 2\nz = 3\n"
        "# a remark on .sudo() alone is no call\n"
        "done = records.sudo()  # sudo: same-line reason\n"
    )
    assert uncommented_sudos(sample, root=tmp_path) == ["sample.py:6: records.sudo().write({})"]


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_tests_init_imports_every_test_module(addon):
    """Odoo's own runner (odoo-bin --test-enable) sees only the test modules
    that tests/__init__.py imports; pytest would find the others anyway."""
    tests = addon / "tests"
    modules = {p.stem for p in tests.glob("test_*.py")}
    imported = set()
    for node in ast.walk(ast.parse((tests / "__init__.py").read_text())):
        if isinstance(node, ast.ImportFrom):
            imported |= {alias.name for alias in node.names}
    assert modules <= imported, f"not imported by {addon.name}/tests/__init__.py: " + ", ".join(
        sorted(modules - imported)
    )


def _run_tests(env):
    """Run ./run-tests with ``env``; the checks below stop it before pytest."""
    return subprocess.run(
        [sys.executable, str(ROOT / "run-tests")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_run_tests_exits_2_without_odoo(tmp_path):
    fake = tmp_path / "odoo"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('simulated: no Odoo here')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = _run_tests(env)
    assert proc.returncode == 2
    assert "Odoo 18 is not importable" in proc.stderr
    assert "docker compose run --rm tests" in proc.stderr


def test_run_tests_exits_2_without_postgres():
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT="1")
    proc = _run_tests(env)
    assert proc.returncode == 2
    assert "PostgreSQL is not reachable" in proc.stderr
