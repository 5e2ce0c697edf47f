"""Shared fixtures: the real model, fixture paths and a writable copy of the priors."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from model import CONTRACT_CAUSES, Model, load_model
from model.kb import default_priors_dir

TESTS_DIR = Path(__file__).parent
REPO_DIR = TESTS_DIR.parent
FIXTURES_DIR = TESTS_DIR / "fixtures"
SMALL_PRIORS_DIR = FIXTURES_DIR / "small_priors"
EXAMPLES_DIR = REPO_DIR.parent / "shared" / "spec" / "examples"
if not EXAMPLES_DIR.is_dir():  # a clone elsewhere: the examples are copied into the tests
    EXAMPLES_DIR = FIXTURES_DIR / "examples"
# the shipped network's causes: the contract's (a minimum, interface.md section 1) and those
# the priors add beyond it (priors/CHANGELOG.md 33)
EXTRA_CAUSES = ("calf_muscle_injury",)
SHIPPED_CAUSES = (*CONTRACT_CAUSES, *EXTRA_CAUSES)


@pytest.fixture(scope="session")
def model() -> Model:
    """The default model built from priors/ (self-assessment population)."""
    return load_model()


@pytest.fixture(scope="session")
def subset_model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    """The shipped priors cut to 14 causes and their risk factors
    (:func:`model.workflows.synthetic.subset_priors`): within the hypercube engine's reach (at
    most 20 causes and 26 risk factors) and the reference libraries' (pgmpy's Hugin reader,
    pyAgrum's junction tree with many findings), which the 25-cause network is not. The
    hypercube and the references then check the same code on real tables."""
    from model.workflows.synthetic import subset_model

    keep = [c for c in CONTRACT_CAUSES[:15] if c != "dvt"]
    return subset_model(keep, tmp_path_factory.mktemp("subset"))


@pytest.fixture(scope="session")
def tests_dir() -> Path:
    return TESTS_DIR


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES_DIR


@pytest.fixture(scope="session")
def priors_dir() -> Path:
    """The real priors/ folder."""
    return default_priors_dir()


@pytest.fixture(scope="session")
def small_priors_dir() -> Path:
    """The small knowledge base used by the brute-force oracle."""
    return SMALL_PRIORS_DIR


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The contract's three example cases."""
    return EXAMPLES_DIR


@pytest.fixture
def priors_copy(tmp_path: Path, priors_dir: Path) -> Callable[..., Path]:
    """A factory: ``priors_copy()`` copies priors/ (or ``source``) into tmp_path for mutation."""

    def make(source: Path | None = None, name: str = "priors") -> Path:
        dest = tmp_path / name
        shutil.copytree(source or priors_dir, dest)
        return dest

    return make


# The longest files start first, so that the two workers (pytest-xdist, one file per worker
# at a time) finish together instead of one waiting on the browser test at the end.
LONGEST_FIRST = ("test_browser.py", "test_notebook.py", "test_calibration.py", "test_learn.py",
                 "test_interop.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST)))  # stable
