"""Start-up: ``import hwcost`` and ``hwcost --help`` load neither numpy nor the cost model (issue
20), the lazy public names resolve to the objects of their modules, and the one-line help the
top-level parser lists for each sub-command is the one its module registers."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

import hwcost
from hwcost.cli import COMMANDS, build_parser, main

HEAVY = ("numpy", "pandas", "hwcost.arch.registry", "hwcost.evaluate", "hwcost.techlib")


def _loaded_after(code: str) -> set[str]:
    """Modules among HEAVY that a fresh interpreter has loaded after running ``code``."""
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_hwcost_loads_nothing_heavy() -> None:
    assert _loaded_after("import hwcost") == set()


def test_help_loads_nothing_heavy() -> None:
    code = ("import contextlib, io\nfrom hwcost.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass")
    assert _loaded_after(code) == set()


def test_lazy_names_are_their_modules_objects() -> None:
    for name in hwcost.__all__:
        if name == "__version__":
            continue
        home = importlib.import_module(hwcost._HOMES[name])
        assert getattr(hwcost, name) is getattr(home, name), name
    with pytest.raises(AttributeError):
        hwcost.no_such_name  # noqa: B018


def test_a_submodule_of_the_same_name_does_not_replace_the_function() -> None:
    # hwcost.evaluate / compare / classify / design_point are modules and public functions.
    for name in ("evaluate", "compare", "classify", "design_point"):
        importlib.import_module(f"hwcost.{name}")
        assert callable(getattr(hwcost, name)) and not isinstance(getattr(hwcost, name), type(hwcost)), name


def _help_of(parser: argparse.ArgumentParser) -> dict[str, str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {c.dest: c.help for c in action._choices_actions}


def test_the_listed_help_is_each_modules_own() -> None:
    assert _help_of(build_parser()) == COMMANDS


@pytest.mark.parametrize("command", list(COMMANDS))
def test_only_the_typed_command_is_built(command: str) -> None:
    parser = build_parser(only=command)
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert _help_of(parser) == COMMANDS
    full = build_parser()
    full_action = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    assert action.choices[command].format_help() == full_action.choices[command].format_help()


def test_an_unknown_command_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["evalute"])
    assert exc.value.code == 2
    assert "invalid choice: 'evalute'" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly() -> None:
    # `hwcost evaluate | head -1`: the reader leaves after one line; no traceback, exit 0
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "from hwcost.cli import main; raise SystemExit(main())",
                             "validate"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader leaves before the table is written
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()


def _threads_after(argv: list[str], env: dict[str, str] | None = None) -> str:
    """The threads of a fresh interpreter after ``main(argv)`` (numpy loaded), and the
    OPENBLAS_NUM_THREADS it leaves behind."""
    import os

    code = ("import contextlib, io, os\nfrom hwcost.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main({argv!r})\nimport numpy\n"
            "print(len(os.listdir('/proc/self/task')), os.environ.get('OPENBLAS_NUM_THREADS'))")
    blas = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
    clean = {k: v for k, v in os.environ.items() if k not in blas}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**clean, **(env or {})})
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc/self/task (Linux)")
def test_evaluate_starts_no_blas_worker_threads() -> None:
    # OpenBLAS would start a worker per core and spin it for ~0.1 s of CPU; evaluate does no BLAS
    # work. The variable is set only while main runs.
    assert _threads_after(["evaluate", "--bits", "4"]) == "1 None"
    # a thread count the user chose is left alone
    assert _threads_after(["evaluate", "--bits", "4"], {"OPENBLAS_NUM_THREADS": "2"}).endswith(" 2")


def test_training_commands_keep_the_blas_threads() -> None:
    import os

    from hwcost.cli import BLAS_COMMANDS, _without_blas_threads

    assert {"accuracy", "study"} <= BLAS_COMMANDS
    before = os.environ.get("OPENBLAS_NUM_THREADS")
    assert _without_blas_threads("accuracy") is False and _without_blas_threads("study") is False
    assert os.environ.get("OPENBLAS_NUM_THREADS") == before


def test_evaluate_loads_only_what_it_uses() -> None:
    # the arch flags are generated from every template's code (~30 ms): a command line without
    # one is parsed without them
    code = ("import contextlib, io\nfrom hwcost.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['evaluate', '--scheme', 'lsq+', '--bits', '4', '--format=json'])")
    lazy = ("hwcost.arch.keys", "pandas", "hwcost.arch.cim_macro", "hwcost.arch.digital_cim", "hwcost.techlib.scaling",
            "numpy.ma")
    probe = f"import sys\n{code}\nprint(*[m for m in {lazy!r} if m in sys.modules], 'hwcost.evaluate' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    # no template keys, no data frame, no CIM template for a MAC array, no node scaling, no masked arrays
    assert out.stdout.split() == ["True"]


_NO_ARCH_FLAG = [
    ["evaluate"],
    ["evaluate", "--scheme", "lsq+", "--bits", "4"],
    ["evaluate", "--scheme=lsq+", "--bits=4", "--format", "json", "--node", "22nm", "--by-layer"],
    ["evaluate", "--arch", "cim", "--scope", "core", "--uncertainty", "--seed", "3", "--workload", "-"],
    ["evaluate", "--arch-file", "a.yaml", "--weight-bits", "4", "--act-bits", "8", "--peak"],
]
_NEEDS_THE_FULL_PARSER = [
    ["evaluate", "--pe-rows", "8"],
    ["evaluate", "--pe-r", "8"],  # an abbreviation of an arch flag
    ["evaluate", "--arch", "cim", "--dac-bits=2"],
    ["evaluate", "--bits", "-1"],  # a negative number: not an option of either parser
]


@pytest.mark.parametrize("argv", _NO_ARCH_FLAG + _NEEDS_THE_FULL_PARSER, ids=" ".join)
def test_the_parse_without_arch_flags_agrees_with_the_full_parser(argv: list[str]) -> None:
    from hwcost.cli import _parse
    from hwcost.cli._arch_flags import ARCH_FLAGS_LEFT_OUT, arch_keys_by_name

    full = vars(build_parser(only="evaluate").parse_args(argv))
    got = vars(_parse(argv, "evaluate"))
    arch_dests = set(arch_keys_by_name()) | {"dac_bits"}
    if argv in _NO_ARCH_FLAG:
        assert got.pop(ARCH_FLAGS_LEFT_OUT) is True
        assert all(full.pop(d) is None for d in arch_dests)
    else:
        assert ARCH_FLAGS_LEFT_OUT not in got
    assert got.keys() == full.keys()
    assert {k: str(v) for k, v in got.items()} == {k: str(v) for k, v in full.items()}


@pytest.mark.parametrize("argv", [["evaluate", "--bits", "x"], ["evaluate", "--bits"], ["evaluate", "--pe-rows", "x"],
                                  ["evaluate", "--bits", "4", "--", "--pe-rows", "8"], ["evaluate", "stray"],
                                  ["evaluate", "--sc", "x"]], ids=" ".join)
def test_a_refused_command_line_is_told_by_the_full_parser(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser(only="evaluate").parse_args(argv)
    expected = capsys.readouterr()
    with pytest.raises(SystemExit) as got:
        main(argv)
    assert got.value.code == exc.value.code == 2
    assert capsys.readouterr() == expected
    # the sub-command's usage lists the arch flags
    assert "--pe-rows" in expected.err or expected.err.startswith("usage: hwcost [-h] COMMAND")


def test_evaluate_help_lists_the_arch_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["evaluate", "--bits", "4", "--help"])
    out = capsys.readouterr().out
    assert "--pe-rows" in out and "--adc-bits" in out and "--dac-bits" in out


def test_only_the_command_run_as_a_program_skips_the_exit_collection(monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import hwcost.cli as cli

    calls: list[bool] = []
    monkeypatch.setattr(cli, "_no_collection_at_exit", lambda: calls.append(True))
    assert main(["explain", "--scheme", "lsq", "--bits", "4"]) == 0  # in-process (arguments given)
    assert calls == []
    for argv, frozen in ((["hwcost", "explain", "--scheme", "lsq", "--bits", "4"], [True]),
                         (["hwcost", "accuracy", "--help"], [])):  # a BLAS command keeps the collection
        calls.clear()
        monkeypatch.setattr(sys, "argv", argv)
        try:
            main()
        except SystemExit:
            pass
        assert calls == frozen, argv
    capsys.readouterr()
    # as a program: the objects are frozen when main returns, and the output is the same
    code = ("import contextlib, gc, io, sys\nfrom hwcost.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n    status = main()\nprint(status, gc.get_freeze_count() > 0, len(out.getvalue()))")
    got = subprocess.run([sys.executable, "-c", code, "evaluate", "--bits", "4"], capture_output=True, text=True,
                         check=True).stdout.split()
    assert main(["evaluate", "--bits", "4"]) == 0
    assert got == ["0", "True", str(len(capsys.readouterr().out))]
