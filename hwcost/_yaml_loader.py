"""The YAML reader itself: PyYAML's safe loader with the checks :mod:`hwcost._yaml` describes
(nesting depth, alias expansion, duplicate keys, values YAML cannot build), and the problem each
finding becomes.

Imported by :func:`hwcost._yaml.parse_yaml` only when a text has to be parsed (it is not in the
parsed-YAML cache), so that a run whose files are all cached never imports PyYAML (issue 20).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hwcost._yaml_parsed import MAX_ALIAS_NODES, MAX_DEPTH, ParsedYaml, join_key
from hwcost.errors import HwcostError

_MERGE_TAG = "tag:yaml.org,2002:merge"


def parse_uncached(text: str, file: str) -> ParsedYaml:
    """Parse ``text`` (the contents of ``file``) safely within the limits: with libyaml's
    scanner where PyYAML has it, and a text YAML cannot read again with PyYAML's own, so that
    its problem is told in PyYAML's words."""
    if _FastLoader is not None:
        try:
            return _parse(text, file, _FastLoader)
        except _NotYaml:
            pass
    try:
        return _parse(text, file, _Loader)
    except _NotYaml as failed:
        raise failed.problem from None


class _NotYaml(Exception):
    """A text that is not YAML, and the problem that says so."""

    def __init__(self, problem: HwcostError):
        super().__init__(str(problem))
        self.problem = problem


def _parse(text: str, file: str, loader_class: "type[_Loader]") -> ParsedYaml:
    loader = None
    try:
        loader = loader_class(text)
        node = loader.get_single_node()
        if node is None:
            return ParsedYaml(None, {"": 1})
        line_of = _Lines(text)
        _check_expansion(node, file, line_of)
        lines = _key_lines(node, file, line_of)  # before constructing: merge keys (<<) rewrite the nodes
        return ParsedYaml(loader.construct_document(node), lines)
    except yaml.YAMLError as exc:
        last_scalar = None if loader is None else loader.last_scalar
        raise _NotYaml(_yaml_problem(exc, text, file, _where(loader, getattr(exc, "problem_mark", None)),
                                     last_scalar)) from None
    except RecursionError:  # only with a recursion limit far below Python's default
        raise HwcostError.single(f"nesting too deep to read (limit: {MAX_DEPTH} levels)", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()


def _where(loader: "_Loader | None", mark: yaml.Mark | None) -> str | None:
    """The key path where reading failed: of the value that could not be built (or the node at
    the error's mark), else of the node being composed, else the last key read."""
    if loader is None:
        return None
    if loader.root is not None and (loader.failed_node is not None or mark is not None):
        path = _path_of(loader.root, lambda node: node is loader.failed_node
                        or mark is not None and node.start_mark.index == mark.index)
        if path is not None:
            return path
    return loader.failed_at or loader.last_key


def _path_of(root: Node, found: Callable[[Node], bool]) -> str | None:
    seen: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if found(node):
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[Node, str]] = []  # pushed in reverse: popped in document order
        if isinstance(node, SequenceNode):
            children = [(item, join_key(path, i)) for i, item in enumerate(node.value)]
        elif isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                key = join_key(path, _text(key_node))
                children += [(key_node, key), (value_node, key)]
        stack.extend(reversed(children))
    return None


class _Lines:
    """1-based line of a position, counting ``\\n`` as editors do (YAML also breaks lines at
    U+0085, U+2028 and U+2029, which would shift its own line numbers)."""

    def __init__(self, text: str):
        self._breaks = [m.start() for m in re.finditer("\n", text)]

    def __call__(self, mark: yaml.Mark) -> int:
        return bisect.bisect_left(self._breaks, mark.index) + 1


# --- the loader ---------------------------------------------------------------------------------


class _Checks:
    """What the loader adds to PyYAML's (module doc): limits nesting while composing and locates
    values it cannot construct. Mixed into a safe loader below."""

    def __init__(self, text: str):
        super().__init__(text)
        self._paths: list[str] = []
        self.last_key = ""  # the last key read: where a syntax error outside any value is
        self.last_scalar: str | None = None  # the last scalar read: a key-to-be in a broken file
        self.failed_at: str | None = None  # key path being composed when an error was raised
        self.failed_node: Node | None = None  # the node that could not be constructed
        self.root: Node | None = None

    def compose_scalar_node(self, anchor: str | None) -> Node:
        node = super().compose_scalar_node(anchor)
        self.last_scalar = str(node.value)
        return node

    def compose_document(self) -> Node:
        self.root = super().compose_document()
        return self.root

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        path = self._child_path(parent, index)
        self._paths.append(path)
        try:
            if len(self._paths) > MAX_DEPTH:
                raise _LimitError(
                    f"nested more than {MAX_DEPTH} levels deep (nesting-depth limit)",
                    self.peek_event().start_mark,
                )
            node = super().compose_node(parent, index)
            if isinstance(parent, MappingNode) and index is None:
                self.last_key = join_key(path, _text(node))
            return node
        except yaml.YAMLError:
            if self.failed_at is None:
                self.failed_at = path or self.last_key
            raise
        finally:
            self._paths.pop()

    def _child_path(self, parent: Node | None, index: Any) -> str:
        here = self._paths[-1] if self._paths else ""
        if parent is None or index is None:  # the document, or a mapping's key
            return here
        if isinstance(index, int):
            return join_key(here, index)
        return join_key(here, _text(index))

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            self.failed_node = self.failed_node or node
            raise
        except (ValueError, OverflowError, TypeError) as exc:
            self.failed_node = self.failed_node or node
            value = str(node.value)[:40] if isinstance(node, ScalarNode) else "this value"
            reason = str(exc).split(":")[0][:80]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {value!r} as {node.tag.rsplit(':', 1)[-1]} ({reason})", node.start_mark
            ) from None


class _Loader(_Checks, yaml.SafeLoader):
    """:class:`yaml.SafeLoader` with the checks: PyYAML's own scanner and parser (Python)."""


_FastLoader: "type[_Loader] | None" = None
if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser
    from yaml.composer import Composer
    from yaml.resolver import Resolver

    class _FastLoader(_Checks, Composer, SafeConstructor, Resolver, CParser):  # type: ignore[no-redef,misc]
        """The same safe loader with libyaml's scanner and parser (C) under PyYAML's composer
        (Python), so that the checks still see every node: the same events, documents and marks,
        read about 5x faster (the 45 nm library's CACTI table made reading it the larger part of a
        cold ``hwcost evaluate``). A text it cannot read is read again by :class:`_Loader`, whose
        problem is told in PyYAML's words."""

        def __init__(self, text: str):
            CParser.__init__(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._paths = []
            self.last_key = ""
            self.last_scalar = None
            self.failed_at = None
            self.failed_node = None
            self.root = None


class _LimitError(yaml.MarkedYAMLError):
    def __init__(self, problem: str, mark: yaml.Mark):
        super().__init__(problem=problem, problem_mark=mark)


def _yaml_problem(
    exc: yaml.YAMLError, text: str, file: str, key: str | None, last_scalar: str | None = None
) -> HwcostError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = None if mark is None else _Lines(text)(mark)
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    problem = ", ".join(p for p in parts if p) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        key = key or _key_on_line(text, max(exc.position, 0))
        problem = f"character #x{exc.character:04x} is not allowed in YAML" if isinstance(exc.character, int) \
            else f"unreadable character {exc.character!r}"
    if isinstance(exc, _LimitError):
        message = problem
    elif isinstance(exc, yaml.constructor.ConstructorError):
        message = f"YAML value error: {problem}"
    else:
        message = f"YAML syntax error: {problem}"
        key = key or (None if mark is None else _key_on_line(text, mark.index)) or _short_key(last_scalar)
    return HwcostError.single(message, file=file, key=key or None, line=line)


_KEY_TEXT = re.compile(r"([A-Za-z_][\w.+-]*)\s*:(?:\s|$)")
_BREAKS = "\n\r\x85\u2028\u2029"  # what YAML counts as a line break


def _short_key(text: str | None) -> str | None:
    flat = " ".join((text or "").split())
    return (flat if len(flat) <= 60 else flat[:57] + "...") or None


def _key_on_line(text: str, index: int) -> str | None:
    """The key written on the line of ``index`` (``  name: x`` -> ``name``), if that line has one:
    where a syntax error stops before any key was read."""
    start = max(text.rfind(b, 0, index) for b in _BREAKS) + 1
    ends = [e for e in (text.find(b, index) for b in _BREAKS) if e >= 0]
    found = _KEY_TEXT.search(text[start:min(ends, default=len(text))].split("#")[0])
    return found.group(1)[:60] if found else None


# --- after composing: limits on the node graph, lines, duplicate keys ---------------------------


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            yield key_node
            yield value_node


def _check_expansion(root: Node, file: str, line_of: _Lines) -> None:
    """Refuse aliases that refer to themselves, or expand the document beyond the limits.

    Sizes and depths are memoised per node, so this costs one visit per node as written,
    however large the expansion is.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        nid = id(node)
        if finished:
            kids = list(_children(node))
            size[nid] = 1 + sum(size[id(k)] for k in kids)
            depth[nid] = 1 + max((depth[id(k)] for k in kids), default=0)
            on_path.discard(nid)
            continue
        if nid in size:
            continue
        if nid in on_path:
            raise HwcostError.single(
                "an alias refers to the mapping or list that contains it (a recursive alias)",
                file=file, line=line_of(node.start_mark), key=_path_of(root, lambda n: n is node) or None,
            )
        on_path.add(nid)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node) if id(kid) not in size)
    written, expanded = len(size), size[id(root)]
    biggest = _biggest_alias(root, size) if expanded - written > MAX_ALIAS_NODES or depth[id(root)] > MAX_DEPTH \
        else root
    where = {"file": file, "line": line_of(biggest.start_mark), "key": _path_of(root, lambda n: n is biggest) or None}
    if expanded - written > MAX_ALIAS_NODES:
        raise HwcostError.single(
            f"aliases (*name) expand the document to {expanded:,} nodes from the {written:,} written "
            f"(alias-expansion limit: {MAX_ALIAS_NODES:,} more)",
            **where,
        )
    if depth[id(root)] > MAX_DEPTH:
        raise HwcostError.single(
            f"aliases nest the document more than {MAX_DEPTH} levels deep (nesting-depth limit)",
            **where,
        )


def _biggest_alias(root: Node, size: dict[int, int]) -> Node:
    """The largest node that is used more than once (the anchor that expands)."""
    uses: dict[int, int] = {}
    nodes: dict[int, Node] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        uses[id(node)] = uses.get(id(node), 0) + 1
        if uses[id(node)] == 1:
            nodes[id(node)] = node
            stack.extend(_children(node))
    shared = [n for i, n in nodes.items() if uses[i] > 1] or [root]
    return max(shared, key=lambda n: size[id(n)])


def _key_lines(root: Node, file: str, line_of: _Lines) -> dict[str, int]:
    """Key path -> line for every path of the (alias-expanded, already bounded) document;
    a key given twice in one mapping is an error naming both lines."""
    lines = {"": line_of(root.start_mark)}
    checked: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault(join_key(path, i), line_of(item.start_mark))
                stack.append((item, join_key(path, i)))
        elif isinstance(node, MappingNode):
            if id(node) not in checked:
                checked.add(id(node))
                _check_duplicates(node, path, file, line_of)
            for key_node, value_node in node.value:
                key = join_key(path, _text(key_node))
                lines.setdefault(key, line_of(key_node.start_mark))
                stack.append((value_node, key))
    return lines


def _check_duplicates(node: MappingNode, path: str, file: str, line_of: _Lines) -> None:
    first: dict[Any, int] = {}
    for key_node, _ in node.value:
        identity = _identity(key_node)
        line = line_of(key_node.start_mark)
        if identity in first:
            text = _text(key_node)
            raise HwcostError.single(
                f"duplicate key '{text}' (first at line {first[identity]}, again at line {line}); "
                "a key may appear once per mapping",
                file=file, key=join_key(path, text), line=line,
            )
        first[identity] = line


_SCALARS = SafeConstructor()
_UNREAD = object()


def _key_value(node: Node) -> Any:
    """A scalar key as the loaded data holds it (``0x10`` and ``16`` are the same key), or
    ``_UNREAD``. Built with SafeConstructor's own scalar constructors, without its cache."""
    build = SafeConstructor.yaml_constructors.get(node.tag)
    if not isinstance(node, ScalarNode) or node.tag == _MERGE_TAG or build is None:
        return _UNREAD
    try:
        return build(_SCALARS, node)
    except Exception:  # noqa: BLE001 - the loader reports a key it cannot build; here a fallback
        return _UNREAD


def _identity(node: Node) -> Any:
    value = _key_value(node)
    if value is _UNREAD:
        return ("raw", node.tag, str(node.value) if isinstance(node, ScalarNode) else id(node))
    try:
        hash(value)
    except TypeError:
        return ("raw", node.tag, id(node))
    return ("value", value)


def _text(node: Node) -> str:
    """A key as loaders name it in key paths (``str`` of the loaded key)."""
    if not isinstance(node, ScalarNode):
        return "<complex key>"
    if node.tag == _MERGE_TAG:
        return "<<"
    value = _key_value(node)
    return str(node.value) if value is _UNREAD else str(value)
