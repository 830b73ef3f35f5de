"""The house rules of ARCHITECTURE.md, checked on the source tree.

- pure logic modules import neither Django nor models/services;
- an area uses another area only through its ``services``;
- only services open transactions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "idic"
AREAS = ("identify", "differentiate", "interact", "customize", "protect", "analytics", "web")
# Rooms that may use Django; every other module of an area is pure logic.
DJANGO_ROOMS = {
    "models.py",
    "services.py",
    "api.py",
    "api_identity.py",
    "schemas.py",
    "views.py",
    "urls.py",
    "apps.py",
    "admin.py",
    "forms.py",
    "context.py",
    "events.py",
    "tasks.py",
    "engine.py",
}
DJANGO_DIRS = {"services", "management", "migrations", "templatetags", "views"}


def _modules():
    for area in AREAS:
        for path in sorted((SRC / area).rglob("*.py")):
            yield area, path


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_pure(area: str, path: Path) -> bool:
    rel = path.relative_to(SRC / area)
    if rel.name == "__init__.py" and len(rel.parts) == 1:
        return False
    return rel.name not in DJANGO_ROOMS and not (set(rel.parts[:-1]) & DJANGO_DIRS)


def _is_service(area: str, path: Path) -> bool:
    rel = path.relative_to(SRC / area)
    return rel.name == "services.py" or (rel.parts[0] == "services")


def test_tree_has_every_area():
    # given the architecture's areas / then each is a package
    for area in AREAS:
        assert (SRC / area / "__init__.py").exists(), area


@pytest.mark.parametrize(
    ("area", "path"), list(_modules()), ids=lambda v: str(v).split("idic/")[-1]
)
def test_module_respects_layers(area, path):
    # given one module of an area
    imports = _imports(path)
    rel = path.relative_to(SRC)
    # then pure logic stays pure
    if _is_pure(area, path):
        bad = [n for n in imports if n == "django" or n.startswith("django.")]
        bad += [
            n for n in imports if n.startswith("idic.") and (".models" in n or ".services" in n)
        ]
        assert not bad, f"{rel} is pure logic but imports {bad}"
    # and other areas are reached only through their services (models may use protect helpers)
    for name in imports:
        parts = name.split(".")
        if len(parts) < 2 or parts[0] != "idic" or parts[1] not in AREAS or parts[1] == area:
            continue
        if area == "web":
            allowed = len(parts) > 2 and parts[2] == "services"
        else:
            allowed = len(parts) > 2 and parts[2] == "services"
            allowed = allowed or (rel.name == "models.py" and parts[1] == "protect")
        assert allowed, f"{rel} reaches into {name}; go through idic.{parts[1]}.services"
    # and only services open transactions
    if not _is_service(area, path) and "/migrations/" not in str(path):
        source = path.read_text(encoding="utf-8")
        assert "transaction.atomic" not in source, f"{rel} opens a transaction outside services"
        assert "django.db.transaction" not in imports, (
            f"{rel} imports transactions outside services"
        )
