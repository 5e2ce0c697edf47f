"""The architecture holds: one-way imports between the layers, pgmpy behind one adapter, no
Streamlit in the model, the UI on the public facade only, short functions and small classes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "model"
# lowest first: a module may import its own layer and the layers below, never one above
LAYERS = ("errors", "kb", "inference", "reasoning", "api", "workflows", "cli")
RANK = {name: i for i, name in enumerate(LAYERS)}
RANK["pgmpy_io"] = RANK["inference"]  # the adapter: reads the network, serves api and workflows
MAX_LINES = 80


def _layer(module: str) -> str | None:
    """The layer of a module ``model.x.y`` (None for the package facade and __main__)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in ("__init__", "__main__"):
        return None
    return parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] + ["__init__"] if len(parts) == 1 else parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[str]:
    """Every module a file imports (relative imports resolved), at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [f"{target}.{a.name}" for a in node.names] if not node.module else []
                out += [target, *names]
            elif node.module:
                out.append(node.module)
    return out


def _model_files() -> list[Path]:
    return sorted(MODEL.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    for path in _model_files():
        name = _module_name(path)
        layer = _layer(name)
        assert layer is None or layer in RANK, f"{name}: put it in one of {LAYERS}"


@pytest.mark.parametrize("path", _model_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_one_way(path: Path) -> None:
    """errors <- kb <- inference <- reasoning <- api <- workflows <- cli."""
    me = _layer(_module_name(path))
    if me is None:
        return
    for imported in _imports(path):
        if not imported.startswith("model."):
            continue
        other = _layer(imported)
        if other is None or other not in RANK:
            continue
        assert RANK[other] <= RANK[me], (
            f"{path.relative_to(ROOT)} ({me}) imports {imported} ({other}), a higher layer"
        )


def test_only_the_adapter_imports_pgmpy_and_nothing_in_model_imports_streamlit() -> None:
    for path in _model_files():
        roots = {i.split(".")[0] for i in _imports(path)}
        assert "streamlit" not in roots, f"{path}: the model never imports Streamlit"
        if path != MODEL / "pgmpy_io.py":
            assert "pgmpy" not in roots, f"{path}: only model/pgmpy_io.py imports pgmpy"


def test_the_ui_uses_only_the_public_facade() -> None:
    for path in [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))]:
        for imported in _imports(path):
            assert not imported.startswith("model."), f"{path}: import from `model` only"
            assert imported.split(".")[0] != "pgmpy", f"{path}: the UI never imports pgmpy"


def test_the_facade_exports_what_the_ui_uses() -> None:
    import model

    for path in [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "model":
                for a in node.names:
                    assert a.name in model.__all__, f"{path}: add {a.name} to model.__all__"


def test_no_long_functions() -> None:
    long = []
    for path in _model_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if n > MAX_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, "split into named helpers:\n" + "\n".join(long)


def test_the_engine_shows_only_what_its_callers_use() -> None:
    from model.inference import Engine

    public = {n for n in vars(Engine) if not n.startswith("_")}
    assert public == {
        "hyper", "one_hot", "case", "posterior", "marginal", "withdrawn", "previews",
        "node_distribution", "intervene", "intervene_each", "with_tables", "marginals_under",
        "none_present", "variant_marginals", "sampled_draws",
    }  # fmt: skip


def test_py_typed_is_shipped() -> None:
    assert (MODEL / "py.typed").is_file()


def test_the_model_facade_shows_only_what_its_callers_use() -> None:
    from model import Model

    public = {n for n in vars(Model) if not n.startswith("_")}
    assert public == {
        "validate", "evidence_for", "likelihoods", "posterior", "diagnose", "assess",
        "which_test_next", "priors", "what_if", "sensitivity", "interval_drivers", "export",
            "with_base_rates", "base_rate_problems", "ready",
    }  # fmt: skip
