"""Reading a priors YAML file safely: a size limit, no key given twice in one mapping (YAML
would keep the last silently), and deep nesting refused instead of exhausting the stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from ..errors import not_utf8

MAX_YAML_BYTES = 5_000_000  # a priors file is tens of kB


# libyaml's parser where PyYAML was built with it (about 8x faster on the priors), else the
# pure-Python one; the same safe constructor either way
_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_BASE):
    """``yaml.SafeLoader`` that refuses a mapping key given twice (line of both named)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: the base class names the problem
                    continue
                if first is not None:
                    raise ConstructorError(
                        None,
                        None,
                        f"the key {str(key)[:60]!r} appears twice (first at line {first}); "
                        "keep one",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> int:
        """An integer, or a problem at its line when it has more digits than Python turns
        into a number (4,300): no priors number needs more than a few."""
        try:
            return int(super().construct_yaml_int(node))
        except ValueError:
            raise ConstructorError(
                None,
                None,
                "a number with thousands of digits; write a probability such as 0.2 or a "
                "ratio such as 1.5",
                node.start_mark,
            ) from None


UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", UniqueKeyLoader.construct_yaml_int)


def load_yaml(path: str | Path) -> Any:
    """The YAML document of ``path``.

    Raises
    ------
    yaml.YAMLError
        Bad syntax or a duplicate key (with ``problem_mark``: line and column).
    ValueError
        Too large, not UTF-8, or nested too deeply (the message names the fix).
    OSError
        The file cannot be read.
    """
    path = Path(path)
    with path.open("rb") as fh:
        data = fh.read(MAX_YAML_BYTES + 1)
    if len(data) > MAX_YAML_BYTES:
        raise ValueError(
            f"larger than {MAX_YAML_BYTES // 1_000_000} MB; a priors file is tens of kB"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(not_utf8(exc, "")) from None
    try:
        doc = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    except yaml.YAMLError as exc:  # libyaml's own depth limit (1,000 levels)
        if "maximum nesting depth" in str(getattr(exc, "problem", "")):
            raise ValueError(_TOO_DEEP) from None
        raise
    _refuse_shared(doc)
    return doc


def read_yaml(path: str | Path) -> tuple[Any, str | None]:
    """(the document of ``path``, None), or (None, why it cannot be read, in words that name
    the place and the fix): :func:`load_yaml` for readers that list problems instead of
    raising (the vignettes, the real cases)."""
    try:
        return load_yaml(path), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None)
        return None, f"not valid YAML{f' ({what})' if what else ''}{at}; fix it there"
    except ValueError as exc:  # too large, not UTF-8, too deep, aliases
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc}); check the file"


# values a document may stand for once its aliases are expanded: the priors hold tens of
# thousands; ten lines of nested aliases stand for a hundred million
MAX_EXPANDED = 1_000_000


def _refuse_shared(doc: Any) -> None:
    """Refuse a document whose aliases (``*name``: one shared list or mapping) expand to more
    than ``MAX_EXPANDED`` values, which every later step would walk. A document without
    shared containers (every priors file shipped) costs one pass over its values."""
    seen: set[int] = set()
    shared = False
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, list | dict):
            if id(x) in seen:
                shared = True
                continue
            seen.add(id(x))
            stack.extend(x.values() if isinstance(x, dict) else x)
    if not shared:
        return
    count = 0
    stack = [doc]
    while stack:  # the expanded size, counted up to the limit only
        x = stack.pop()
        count += 1
        if count > MAX_EXPANDED:
            raise ValueError(
                "repeats lists or mappings through YAML aliases (*name) to more than "
                f"{MAX_EXPANDED:,} values; write the values out"
            )
        if isinstance(x, list | dict):
            stack.extend(x.values() if isinstance(x, dict) else x)


_TOO_DEEP = "nested too deeply; a priors file nests a few levels only"


__all__ = ["MAX_YAML_BYTES", "UniqueKeyLoader", "load_yaml", "read_yaml"]
