"""Fuzzed inputs for ``hwcost`` and the rule that judges what it did with them.

Shared by the campaign (``benchmarks/fuzz.py``) and the property-based test
(``tests/test_fuzz.py``): one definition of a case and of a good outcome.

A :class:`Case` is a command line (``hwcost evaluate --techlib {file} ...``) and, for the five
file kinds (techlib, workload, arch, scheme, study) and accuracy tables, the text of a mutated
copy of a shipped or documented file. Mutations act on the text (numbers swapped for extremes,
keys misspelt or duplicated, lines deleted or repeated, garbage characters, truncation, alias
bombs, deep nesting, recursive aliases, bytes that are not UTF-8, oversize files) or on the parsed
data (a value replaced by another type). :func:`judge` turns what the command did into one of
:data:`OUTCOMES`.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FILE = "{file}"  # where a case's file goes in its command line
OUT = "{out}"  # a path the command may write

OUTCOMES = (
    "exit 0, sane",
    "exit 2, file error naming file, line and key",
    "exit 2, file-level error naming the file (missing, too large, not text)",
    "exit 2, command-line error naming the flag",
    "exit 2, pricing error without a line (a value the library cannot price)",
    "exit 2, non-finite result refused, naming the result and the inputs",
    "exit 2, message incomplete",
    "exit 0, duplicate key silently resolved",
    "non-finite number printed",
    "traceback",
    "hang",
)
BAD = ("exit 0, duplicate key silently resolved", "non-finite number printed", "traceback", "hang")

# --- seeds: the shipped and documented files of every kind ------------------------------------

ARCH_SEEDS = (
    "template: mac_array\nname: my_array\npe_rows: 32\npe_cols: 32\ndataflow: output_stationary\nglb_kib: 256\n"
    "glb_width_bits: 64\nclock_mhz: 800\ndram_bandwidth_gbps: 12.8\npinned:\n"
    "  mac_multiplier: {energy_pj: 0.11, area_um2: 150, source: \"our 4x4 multiplier, DC 45 nm\"}\n",
    "template: cim_macro\nname: my_cim\nrows: 128\ncols: 128\ncell: sram_6t\ncell_bits: 1\n"
    "input_bits_per_pulse: 1\nadc_bits: 8\nadc_share: 8\nmacros: auto\nsigned_weights: differential\n"
    "clock_mhz: 1000\nglb_kib: 128\n",
    "template: cim\nrows: 256\ncols: 128\ncell: rram_1t1r\ncell_bits: 2\ninput_bits_per_pulse: 2\nadc_bits: 8\n",
)
SCHEME_SEEDS = (
    "name: lsq+-pot-weights\nbase: lsq+\ndescription: LSQ+ with power-of-two weight scales\n"
    "weights: {bits: 4, scale_type: pot}\nactivations: {bits: 4}\nzero_point_realisation: pre-subtract\n",
    "name: my-int4\ndescription: symmetric int4\nweights:\n  bits: 4\n  signed: true\n  zero_point: symmetric\n"
    "  granularity: per_channel\nactivations:\n  bits: 4\n  signed: false\nfirst_last_bits: 8\n"
    "zero_point_realisation: fold\nscale_realisation: output\nm0_bits: 16\n",
    "name: pact-3\nbase: pact\nweights: {bits: 3}\nactivations: {bits: 3}\noutputs: {bits: 8}\n",
)
TABLE_STUDY = (
    "name: table_fuzz\nschemes: [lsq, pact, dorefa]\nbits: [2, 4]\narchs:\n  - template: mac_array\n"
    "nodes: [45nm]\nworkloads: [resnet20]\naccuracy:\n  source: table\n  table: {file}\n"
    "objectives:\n  - maximise: accuracy_table_pct\n  - minimise: energy_pj\n"
)


@dataclass(frozen=True)
class Seed:
    kind: str
    name: str
    text: str


def seeds() -> dict[str, list[Seed]]:
    """Every seed file, by kind."""
    def files(folder: Path, kind: str, pattern: str = "*.yaml") -> list[Seed]:
        return [Seed(kind, p.name, p.read_text()) for p in sorted(folder.glob(pattern))]

    return {
        "techlib": files(ROOT / "hwcost" / "techlib" / "data", "techlib"),
        "workload": files(ROOT / "hwcost" / "workloads" / "data", "workload"),
        "arch": [Seed("arch", f"arch{i}.yaml", t) for i, t in enumerate(ARCH_SEEDS)],
        "scheme": [Seed("scheme", f"scheme{i}.yaml", t) for i, t in enumerate(SCHEME_SEEDS)],
        "study": files(ROOT / "studies", "study"),
        "table": files(ROOT / "hwcost" / "data", "table", "*.csv"),
    }


# --- cases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One command line; ``text`` (or ``data``, bytes) is written to ``{file}`` first."""

    kind: str
    argv: tuple[str, ...]
    text: str | None = None
    data: bytes | None = None
    suffix: str = ".yaml"
    study_text: str | None = None  # table cases: a study file whose table is {file}
    mutations: tuple[str, ...] = ()
    flags: tuple[str, ...] = field(default=())  # command-line cases: the flags typed

    @property
    def duplicate_keys(self) -> bool:
        """True when the file (as written) repeats a key in one mapping (judged by plain PyYAML)."""
        return self.text is not None and self.suffix == ".yaml" and has_duplicate_key(self.text)


def has_duplicate_key(text: str) -> bool:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except Exception:  # noqa: BLE001 - any text PyYAML cannot compose has no duplicate to find
        return False
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge"]
            if len(keys) != len(set(keys)):
                return True
            stack += [v for _, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return False


EXTREMES = (
    "0", "-1", "-0.0", "0.5", "1", "3", "65", "4096", "1000000", "4294967297", "9223372036854775808",
    "1" + "0" * 30, "1.0e+308", "1.0e+300", "1.0e+400", "-1.0e+308", "5.0e-324", ".inf", "-.inf", ".nan",
    "\"8\"", "true", "null", "[]", "{}", "[1, 2]", "{a: 1}", "abc", "'1e3'", "0x10", "0o17", "1_000",
    "2001-13-45", "!!int x", "!!float y", "9" * 5000,
)
GARBAGE = (
    ":", "-", "[", "]", "{", "}", ",", "&a ", "*a", "*undefined", "!!python/object/apply:os.system ['true']",
    "!!binary xyz", "\t", "'", '"', "#", "%", "@", "`", "? ", "|", ">", "<<: *x", "\x00", "\x85", "\ufeff",
    "\u2028", "---\n", "...\n", "!custom ", "&b &c ", "<<: {a: 1}\n",
)
NUMBER = re.compile(r"(?<=[\s:\[,{])-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?=[\s,\]}]|$)", re.M)
KEY_LINE = re.compile(r"^(\s*)(- )?([A-Za-z_][\w.+-]*)(\s*:)(.*)$")
ANY_KEY_LINE = re.compile(KEY_LINE.pattern, re.M)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _pick_line(rng: random.Random, lines: list[str], pattern: re.Pattern[str] | None = None) -> int | None:
    choices = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")
               and (pattern is None or pattern.match(line))]
    return rng.choice(choices) if choices else None


def swap_number(rng: random.Random, text: str) -> str:
    spots = list(NUMBER.finditer(text))
    if not spots:
        return text
    spot = rng.choice(spots)
    return text[: spot.start()] + rng.choice(EXTREMES) + text[spot.end():]


def misspell_key(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = _pick_line(rng, lines, KEY_LINE)
    if i is None:
        return text
    m = KEY_LINE.match(lines[i])
    assert m is not None
    key = m.group(3)
    variants = [key + "z", key[:-1] or "x", key.upper(), key[1:] + key[0], key.replace("_", "-"), key + " x"]
    lines[i] = f"{m.group(1)}{m.group(2) or ''}{rng.choice(variants)}{m.group(4)}{m.group(5)}"
    return "\n".join(lines)


def delete_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = _pick_line(rng, lines)
    return text if i is None else "\n".join(lines[:i] + lines[i + 1:])


def repeat_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = _pick_line(rng, lines, KEY_LINE)
    return text if i is None else "\n".join(lines[: i + 1] + [lines[i]] + lines[i + 1:])


def duplicate_key(rng: random.Random, text: str) -> str:
    """A key line repeated with another value, right after the original."""
    lines = _lines(text)
    i = _pick_line(rng, lines, KEY_LINE)
    if i is None:
        return text
    m = KEY_LINE.match(lines[i])
    assert m is not None
    indent = m.group(1) + ("  " if m.group(2) else "")
    copy = f"{indent}{m.group(3)}: {rng.choice(EXTREMES[:12])}"
    return "\n".join(lines[: i + 1] + [copy] + lines[i + 1:]) if not m.group(2) else text


def swap_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = _pick_line(rng, lines)
    if i is None or i + 1 >= len(lines):
        return text
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "\n".join(lines)


def insert_garbage(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(GARBAGE) + text[at:]


def truncate(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def reindent(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = _pick_line(rng, lines)
    if i is None:
        return text
    lines[i] = ("  " + lines[i]) if rng.random() < 0.5 else lines[i][2:] if lines[i].startswith("  ") else "\t" + lines[i]
    return "\n".join(lines)


def replace_value(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = _pick_line(rng, lines, KEY_LINE)
    if i is None:
        return text
    m = KEY_LINE.match(lines[i])
    assert m is not None
    lines[i] = f"{m.group(1)}{m.group(2) or ''}{m.group(3)}{m.group(4)} {rng.choice(EXTREMES)}"
    return "\n".join(lines)


def alias_bomb(rng: random.Random, text: str) -> str:
    """A billion-laughs value (5-9 levels of 10 aliases each) in place of a value."""
    levels = rng.randint(5, 9)
    chain = "[&l0 [" + ", ".join(["1"] * 10) + "]" + "".join(
        f", &l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]" for k in range(1, levels + 1)) + f", *l{levels}]"
    return replace_line_value(rng, text, chain) if ANY_KEY_LINE.search(text) else f"bomb: {chain}\n" + text


def deep_nesting(rng: random.Random, text: str) -> str:
    depth = rng.choice([70, 200, 500, 1000, 5000])
    value = "[" * depth + "1" + "]" * depth if rng.random() < 0.5 else "{a: " * depth + "1" + "}" * depth
    return replace_line_value(rng, text, value)


def recursive_alias(rng: random.Random, text: str) -> str:
    return replace_line_value(rng, text, rng.choice(["&r [1, *r]", "&r {a: *r}", "*r", "&r [*r]"]))


def replace_line_value(rng: random.Random, text: str, value: str) -> str:
    lines = _lines(text)
    i = _pick_line(rng, lines, KEY_LINE)
    if i is None:
        return text
    m = KEY_LINE.match(lines[i])
    assert m is not None
    lines[i] = f"{m.group(1)}{m.group(2) or ''}{m.group(3)}{m.group(4)} {value}"
    return "\n".join(lines)


def whole_file(rng: random.Random, text: str) -> str:
    return rng.choice(["", "# only a comment\n", "42\n", "- a\n- b\n", "just text\n", "~\n", "a: 1\n---\nb: 2\n",
                       "{}\n", "[]\n", text.replace("\n", "\r\n"), text + "\n" * 3 + "extra_key: 1\n"])


def data_mutation(rng: random.Random, text: str) -> str:
    """Parse, replace one value anywhere by another type or extreme, write back."""
    try:
        data = yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - an earlier mutation broke the text: nothing to parse
        return text
    paths: list[tuple[object, object]] = []
    stack = [data]
    seen: set[int] = set()  # aliases share objects: visit each once (a bomb would never end)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            paths += [(node, k) for k in node]
            stack += list(node.values())
        elif isinstance(node, list):
            paths += [(node, i) for i in range(len(node))]
            stack += node
    if not paths:
        return text
    parent, key = rng.choice(paths)
    replacements: list[object] = [None, -1, 0, 2**64, 1e308, float("inf"), float("nan"), "", "x", [], {}, [1, 2],
                                  {"x": 1}, True, 0.5]
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[key]  # type: ignore[arg-type]
    else:
        parent[key] = rng.choice(replacements)  # type: ignore[index]
    try:
        return yaml.safe_dump(data, sort_keys=False)
    except (RecursionError, yaml.YAMLError):  # a recursive structure: keep the text as it was
        return text


TEXT_MUTATIONS: dict[str, Callable[[random.Random, str], str]] = {
    "swap_number": swap_number, "misspell_key": misspell_key, "delete_line": delete_line,
    "repeat_line": repeat_line, "duplicate_key": duplicate_key, "swap_lines": swap_lines,
    "insert_garbage": insert_garbage, "truncate": truncate, "reindent": reindent,
    "replace_value": replace_value, "alias_bomb": alias_bomb, "deep_nesting": deep_nesting,
    "recursive_alias": recursive_alias, "whole_file": whole_file, "data_mutation": data_mutation,
}
# the common, cheap mutations weigh more; the pathological ones stay frequent enough to count
WEIGHTS = {"swap_number": 6, "misspell_key": 4, "delete_line": 4, "repeat_line": 3, "duplicate_key": 3,
           "swap_lines": 2, "insert_garbage": 4, "truncate": 2, "reindent": 2, "replace_value": 5,
           "alias_bomb": 1, "deep_nesting": 1, "recursive_alias": 1, "whole_file": 1, "data_mutation": 5}


def mutate(rng: random.Random, text: str, count: int) -> tuple[str, tuple[str, ...]]:
    names = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=count)
    for name in names:
        text = TEXT_MUTATIONS[name](rng, text)
    return text, tuple(names)


def _bytes_case(rng: random.Random, text: str) -> tuple[bytes, str]:
    """Bytes that are not UTF-8, or a file over the size limit."""
    raw = text.encode()
    if rng.random() < 0.5:
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + rng.choice([b"\xff", b"\xe9", b"\xc3\x28", b"\x80\x80"]) + raw[at:], "not_utf8"
    return raw + b"# padding\n" * (110_000 + rng.randrange(1000)), "oversize"


# --- commands per kind ---------------------------------------------------------------------------


def _techlib_argv(rng: random.Random, seed: Seed) -> tuple[str, ...]:
    pick = rng.random()
    if pick < 0.25:
        return ("techlib", "validate", FILE)
    if pick < 0.35:
        return ("techlib", "show", FILE, "--format", rng.choice(["text", "json"]))
    if pick < 0.6:
        return ("techlib", "price", FILE, *_price_args(rng, seed.text))
    if pick < 0.9:
        arch = ("--arch", "cim") if rng.random() < 0.4 else ()
        return ("evaluate", "--techlib", FILE, "--format", rng.choice(["json", "table", "csv"]), *arch)
    return ("techlib", "scale", "--from", FILE, "--to", rng.choice(["7nm", "22nm", "65nm"]), "--out", OUT)


def _price_args(rng: random.Random, text: str) -> tuple[str, ...]:
    data = yaml.safe_load(text)
    name, body = rng.choice(list(data["components"].items()))
    if "variants" in body:
        vname, body = rng.choice(list(body["variants"].items()))
        params = [f"cell={vname}"]
    else:
        params = []
    for param, spec in body["valid"].items():
        values = spec["one_of"] if isinstance(spec, dict) else list(spec)
        value = rng.choice(values + [max(values) * 2, 0, -1, "abc", "nan", "inf", "1e400", 10**30]) \
            if rng.random() < 0.3 else rng.choice(values)
        params.append(f"{param}={value}")
    action = list(body["energy_pj"])
    extra = ("--action", rng.choice(action + ["nope"])) if len(action) > 1 or rng.random() < 0.1 else ()
    return (name, *(a for p in params for a in ("--param", p)), *extra, "--format", rng.choice(["json", "table"]))


def file_argv(rng: random.Random, seed: Seed) -> tuple[str, ...]:
    """A command line that reads a file of the seed's kind."""
    fmt = ("--format", rng.choice(["json", "table", "csv"]))
    if seed.kind == "techlib":
        return _techlib_argv(rng, seed)
    if seed.kind == "workload":
        return ("evaluate", "--workload", FILE, *fmt, *(("--arch", "cim") if rng.random() < 0.3 else ()))
    if seed.kind == "arch":
        return ("evaluate", "--arch-file", FILE, *fmt, *(("--bits", str(rng.choice([2, 4, 8]))) if rng.random() < 0.3 else ()))
    if seed.kind == "scheme":
        if rng.random() < 0.5:
            return ("explain", "--scheme-file", FILE, "--format", rng.choice(["json", "table"]))
        return ("evaluate", "--scheme-file", FILE, *fmt)
    return ("study", "check", FILE)


def file_case(rng: random.Random, all_seeds: dict[str, list[Seed]], kind: str | None = None) -> Case:
    """A mutated file of one kind (random if ``kind`` is None) and a command that reads it."""
    kind = kind or rng.choice(list(all_seeds))
    seed = rng.choice(all_seeds[kind])
    if kind == "table":
        return table_case(rng, seed)
    argv = file_argv(rng, seed)
    if rng.random() < 0.04:
        data, how = _bytes_case(rng, seed.text)
        return Case(kind, argv, data=data, mutations=(how,))
    text, names = mutate(rng, seed.text, rng.choice([1, 1, 1, 2, 3]))
    return Case(kind, argv, text=text, mutations=names)


def table_case(rng: random.Random, seed: Seed) -> Case:
    """A mutated accuracy table (or /etc/passwd, or nothing), read through a study file."""
    lines = seed.text.split("\n")
    pick = rng.random()
    if pick < 0.05:
        text = Path("/etc/passwd").read_text() if Path("/etc/passwd").exists() else "root:x:0:0:root:/root:/bin/bash\n"
        how = "passwd"
    elif pick < 0.1:
        text, how = "", "empty"
    else:
        text, names = mutate(rng, seed.text, rng.choice([1, 2]))
        how = "+".join(names)
        if rng.random() < 0.5:  # a CSV-specific change: a cell swapped for an extreme
            i = rng.randrange(1, len(lines) - 1)
            cells = lines[i].split(",")
            j = rng.randrange(len(cells))
            cells[j] = rng.choice(["", "-5", "101", "nan", "inf", "1e400", "abc", "0", "33", "\"", "4.5"])
            lines[i] = ",".join(cells)
            text, how = "\n".join(lines), "cell"
    return Case("table", ("study", "check", "{study}"), text=text, suffix=".csv", study_text=TABLE_STUDY,
                mutations=(how,))


# --- command-line cases --------------------------------------------------------------------------

INT_VALUES = ("0", "-1", "1", "2", "3", "4", "8", "16", "24", "32", "33", "64", "100", "4096", "65536",
              "99999999999999999999", "abc", "1.5", "nan", "", " 4", "0x10")
FLOAT_VALUES = ("0", "-1", "0.5", "0.9", "5", "1e308", "1e400", "nan", "inf", "-inf", "abc", "")
NAME_VALUES = ("45nm", "7nm", "3nm", "resnet20", "resnet-18", "vgg16", "mobilenetv2", "nope", "", "../etc/passwd",
               "/dev/zero", "/tmp", "x.yaml", "/nonexistent/x.yaml")


def cli_case(rng: random.Random) -> Case:
    """A command line with random (mostly wrong) values for its flags."""
    maker = rng.choice([_cli_evaluate, _cli_evaluate, _cli_cim, _cli_explain, _cli_price, _cli_scale, _cli_misc])
    argv, flags = maker(rng)
    return Case("cli", tuple(argv), flags=tuple(flags))


def _flags(rng: random.Random, options: dict[str, Sequence[str]], count: int) -> tuple[list[str], list[str]]:
    chosen = rng.sample(list(options), k=min(count, len(options)))
    argv: list[str] = []
    for flag in chosen:
        argv += [flag, rng.choice(options[flag])]
    return argv, chosen


def _cli_evaluate(rng: random.Random) -> tuple[list[str], list[str]]:
    options = {"--bits": INT_VALUES, "--weight-bits": INT_VALUES, "--act-bits": INT_VALUES,
               "--scheme": ("lsq", "pact", "pot", "sq", "fp32", "nope", ""), "--node": NAME_VALUES,
               "--workload": NAME_VALUES, "--arch": ("mac_array", "cim", "nope", "/dev/zero"),
               "--zero-point": ("fold", "runtime", "pre-subtract", "nope"), "--scale-at": ("output", "operand", "x"),
               "--techlib": ("/dev/zero", "/tmp", "missing.yaml", "/etc/passwd"),
               "--scheme-file": ("/dev/zero", "/tmp", "missing.yaml"), "--arch-file": ("/dev/zero", "missing.yaml")}
    argv, flags = _flags(rng, options, rng.randint(1, 3))
    return ["evaluate", *argv, "--format", rng.choice(["json", "table", "csv"])], flags


def _cli_cim(rng: random.Random) -> tuple[list[str], list[str]]:
    options = {"--rows": INT_VALUES, "--cols": INT_VALUES, "--cell": ("sram_6t", "rram_1t1r", "x"),
               "--cell-bits": INT_VALUES, "--dac-bits": INT_VALUES, "--adc-bits": INT_VALUES,
               "--adc-share": INT_VALUES, "--macros": ("auto", "1", "0", "-3", "1000000", "x"),
               "--signed-weights": ("differential", "offset", "digital", "x"), "--bits": INT_VALUES}
    argv, flags = _flags(rng, options, rng.randint(1, 3))
    arch = ["--arch", "cim"] if rng.random() < 0.85 else []
    return ["evaluate", *arch, *argv, "--format", rng.choice(["json", "table"])], flags


def _cli_explain(rng: random.Random) -> tuple[list[str], list[str]]:
    options = {"--bits": INT_VALUES, "--weight-bits": INT_VALUES, "--act-bits": INT_VALUES,
               "--reduction-length": INT_VALUES, "--zero-point": ("fold", "runtime", "x"),
               "--scale-at": ("output", "operand", "x")}
    argv, flags = _flags(rng, options, rng.randint(1, 3))
    scheme = ["--scheme", rng.choice(["lsq", "lsq+", "pot", "dorefa", "nope"])]
    return ["explain", *scheme, *argv, "--format", rng.choice(["json", "table"])], flags + ["--scheme"]


def _cli_price(rng: random.Random) -> tuple[list[str], list[str]]:
    component, params = rng.choice([
        ("int_adder", ("bits",)), ("int_multiplier", ("a_bits", "b_bits")), ("sram", ("capacity_bytes", "width_bits")),
        ("adc", ("bits",)), ("dram", ("bits",)), ("cim_cell", ("cell", "bits")), ("nope", ("bits",)),
    ])
    argv = ["techlib", "price", rng.choice(["45nm", "7nm", "nope"]), component]
    for p in params:
        if rng.random() < 0.9:
            value = rng.choice(("sram_6t", "rram_1t1r", "x")) if p == "cell" else rng.choice(INT_VALUES + FLOAT_VALUES)
            argv += ["--param", f"{p}={value}"]
    if rng.random() < 0.2:
        argv += ["--param", rng.choice(["junk", "=3", "x=", "bits"])]
    return argv + ["--format", rng.choice(["json", "table"])], ["--param", "--action", argv[2], component]


def _cli_scale(rng: random.Random) -> tuple[list[str], list[str]]:
    options = {"--to": ("7nm", "22", "3nm", "1000nm", "abc", "0", "-7nm", "1e400"), "--vdd": FLOAT_VALUES,
               "--flavour": ("HP", "LP", "lp", "XX"), "--rule": ("sram=logic", "x=logic", "sram=nope", "junk", "=")}
    argv, flags = _flags(rng, options, rng.randint(1, 3))
    if "--to" not in flags:
        argv += ["--to", "7nm"]
    out = rng.choice([OUT, "-", "{dir}", "/nonexistent/x.yaml", "{file_as_dir}"])
    return ["techlib", "scale", "--from", rng.choice(["45nm", "7nm", "nope"]), *argv, "--out", out], \
        flags + ["--out", "--from"]


def _cli_misc(rng: random.Random) -> tuple[list[str], list[str]]:
    return rng.choice([
        (["techlib", "show", rng.choice(NAME_VALUES)], []),
        (["techlib", "validate", rng.choice(NAME_VALUES)], []),
        (["study", "check", rng.choice(["/dev/zero", "/tmp", "missing.yaml", "/etc/passwd"])], []),
        (["study", "plot", rng.choice(["/tmp/nonexistent_dir", "/etc/passwd", "/dev/null"])], []),
        (["accuracy", "measure", "--scheme", "lsq", "--bits", rng.choice(["0", "33", "-1", "99"])], ["--bits"]),
        (["accuracy", "measure", "--scheme", "lsq", "--rows", rng.choice(["0", "-1", "5"])], ["--rows"]),
        (["accuracy", "measure", "--scheme", "lsq", "--cim", "--noise-sigma", rng.choice(["nan", "-1", "5", "inf"])],
         ["--noise-sigma"]),
        (["accuracy", "measure", "--scheme", "lsq", "--epochs", rng.choice(["-1", "-5"])], ["--epochs"]),
        (["accuracy", "measure", "--scheme", "lsq", "--dataset", rng.choice(["/dev/zero", "missing.npz", "/tmp"])],
         ["--dataset"]),
        (["evaluate", rng.choice(["--bits", "--workload", "--format"])], []),
        ([rng.choice(["nope", "--help-me", ""])], []),
    ])


# --- judging an outcome ----------------------------------------------------------------------------

NON_FINITE = re.compile(r"(?<![\w.])-?(nan|inf|infinity)(?![\w])", re.I)
PRICING = re.compile(r"^[a-z_]+(?: \([a-z_]+=[a-z_0-9]+\))?: [a-z_]+ = .* is not valid; expected")
FILE_LEVEL = ("not found", "expected a file", "file-size limit", "not UTF-8", "cannot read the")


def problems_of(stderr: str) -> list[str]:
    """The problem lines of an ``hwcost: error:`` message."""
    text = stderr.strip()
    if not text.startswith("hwcost: error: "):
        return [text] if text else []
    body = text[len("hwcost: error: "):]
    lines = body.split("\n")
    if re.fullmatch(r"\d+ problems:", lines[0]):
        return [line[4:] for line in lines[1:] if line.startswith("  - ")]
    return [body]


MESSAGE_STARTS = ("YAML ", "expected ", "missing ", "unknown ", "duplicate ", "not ", "the ", "an ", "a ",
                  "aliases ", "nested ", "cannot ", "character ")


def problem_is_located(problem: str, files: Sequence[str], typed: Sequence[str] = ()) -> str:
    """'located' (file, line and key), 'file-level', 'flag' (a command-line value, named by its
    flag or the value typed), 'pricing' or 'incomplete'."""
    if problem.startswith("--") or any(token in problem for token in typed):
        return "flag"
    if "cannot be priced" in problem or PRICING.match(problem):
        return "pricing"
    if "the result is not a finite number" in problem:
        return "non-finite"
    for name in files:
        if not problem.startswith(name + ":"):
            continue
        rest = problem[len(name) + 1:]
        m = re.match(r"(\d+): (.*)$", rest, re.S)
        if m is None:
            return "file-level" if any(s in rest for s in FILE_LEVEL) else "incomplete"
        message = m.group(2)
        first = message.split(": ", 1)[0]
        keyed = ": " in message and not first.startswith(MESSAGE_STARTS)
        names_key = re.search(r"(missing|duplicate|unknown)[^:]*'[^']+'", message) is not None \
            or re.search(r"(column|nesting|alias|not UTF-8|not allowed in YAML)", message) is not None \
            or message.startswith("expected a mapping")
        return "located" if keyed or names_key else "incomplete"
    return "incomplete"


def _keyless(case: Case, problem: str) -> str:
    """'located' for a YAML error at a line no key precedes (nothing to name yet: a bare word, a
    broken first line), else 'incomplete'."""
    found = re.match(r".+?:(\d+): YAML ", problem)
    if case.text is None or found is None:
        return "incomplete"
    before = "\n".join(case.text.replace("\t", " ").split("\n")[: int(found.group(1))])
    return "incomplete" if ANY_KEY_LINE.search(before) else "located"


def judge(case: Case, code: int | None, stdout: str, stderr: str, files: Sequence[str],
          crashed: bool = False, hung: bool = False) -> str:
    """The outcome of one case (one of OUTCOMES)."""
    if hung:
        return "hang"
    if crashed or "Traceback (most recent call last)" in stderr or code not in (0, 2):
        return "traceback"
    if NON_FINITE.search(stdout):
        return "non-finite number printed"
    if code == 0:
        return "exit 0, duplicate key silently resolved" if case.duplicate_keys else "exit 0, sane"
    problems = problems_of(stderr)
    if not stderr.startswith("hwcost: error: "):  # argparse: usage and 'argument --x: ...'
        return "exit 2, command-line error naming the flag" if "argument " in stderr or "usage:" in stderr \
            else "exit 2, message incomplete"
    if case.kind == "cli":
        typed = list(case.flags) + [a for a in case.argv if "/" in a or a.endswith((".yaml", ".npz"))]
        named = any(token in stderr for token in typed) or not typed
        if named:
            return "exit 2, command-line error naming the flag"
        return "exit 2, pricing error without a line (a value the library cannot price)" \
            if any(PRICING.match(p) for p in problems) else "exit 2, message incomplete"
    typed = [f"'{a}'" for a in case.argv[2:] if a not in (FILE, OUT) and not a.startswith("-")]
    kinds = [problem_is_located(p, files, typed) for p in problems]
    kinds = [_keyless(case, p) if k == "incomplete" else k for k, p in zip(kinds, problems)]
    if kinds and all(k == "flag" for k in kinds):
        return "exit 2, command-line error naming the flag"
    if kinds and all(k in ("located", "flag") for k in kinds):
        return "exit 2, file error naming file, line and key"
    if kinds and all(k in ("located", "file-level", "flag") for k in kinds):
        return "exit 2, file-level error naming the file (missing, too large, not text)"
    if kinds and all(k == "non-finite" for k in kinds):
        return "exit 2, non-finite result refused, naming the result and the inputs"
    if kinds and all(k in ("located", "file-level", "flag", "pricing") for k in kinds):
        return "exit 2, pricing error without a line (a value the library cannot price)"
    return "exit 2, message incomplete"


# --- running a case in this process ------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    outcome: str
    code: int | None
    stdout: str
    stderr: str


def materialise(case: Case, folder: Path, index: int) -> tuple[list[str], list[str]]:
    """Write the case's files into ``folder``; its argv and the file names an error may name."""
    path = folder / f"{case.kind}_{index}{case.suffix}"
    out = folder / f"out_{index}.yaml"
    files: list[str] = []
    if case.text is not None:
        path.write_text(case.text, encoding="utf-8", errors="surrogatepass")
        files.append(str(path))
    elif case.data is not None:
        path.write_bytes(case.data)
        files.append(str(path))
    study = folder / f"study_{index}.yaml"
    if case.study_text is not None:
        study.write_text(case.study_text.replace(FILE, str(path)))
        files.append(str(study))
    file_as_dir = folder / f"plain_{index}"
    file_as_dir.write_text("")
    subs = {FILE: str(path), OUT: str(out), "{study}": str(study), "{dir}": str(folder),
            "{file_as_dir}": str(file_as_dir / "x.yaml")}
    argv = [subs.get(a, a) for a in case.argv]
    return argv, files


def cleanup(folder: Path, index: int) -> None:
    for p in folder.glob(f"*_{index}*"):
        if p.is_file():
            p.unlink()


def run_in_process(case: Case, folder: Path, index: int) -> Result:
    """Run ``hwcost.cli.main`` on the case; any exception that escapes it is a traceback."""
    from hwcost.cli import main

    argv, files = materialise(case, folder, index)
    out, err = io.StringIO(), io.StringIO()
    crashed = False
    code: int | None = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
    except Exception as exc:  # noqa: BLE001 - this is what the fuzzer looks for
        import traceback

        crashed = True
        err.write("".join(traceback.format_exception(exc)))
    finally:
        cleanup(folder, index)
    stdout, stderr = out.getvalue(), err.getvalue()
    return Result(judge(case, code, stdout, stderr, files, crashed=crashed), code, stdout, stderr)
