"""The registry imports a shipped template when one of its names is first used (issue 20,
start-up): its table of shipped templates agrees with the templates themselves, a MAC-array
evaluation imports no CIM template, and what lists every template sees them all, in
registration order, whichever was loaded first."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from hwcost.arch import registry

CIM_MODULES = ("hwcost.arch.cim_macro", "hwcost.arch.digital_cim")


def test_the_shipped_table_is_the_templates_own() -> None:
    for name, (module, attribute, aliases) in registry.SHIPPED.items():
        template = getattr(importlib.import_module(module), attribute)
        assert (template.name, tuple(template.aliases)) == (name, aliases)
        assert registry.template_named(name) is template
        assert all(registry.template_named(alias) is template for alias in aliases)


def _fresh(code: str) -> list[str]:
    """The lines a fresh interpreter prints after ``code`` (``loaded(m)``: whether module m is)."""
    probe = ("import sys\nfrom hwcost.arch import registry\n"
             "def loaded(*names):\n    return any(m in sys.modules for m in names)\n" + code)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_a_mac_array_imports_no_cim_template() -> None:
    assert _fresh(f"registry.load_arch('mac_array'); registry.template_named('mac')\nprint(loaded(*{CIM_MODULES!r}))") \
        == ["False"]


def test_a_name_imports_its_own_template_only() -> None:
    assert _fresh("registry.load_arch('cim')\nprint(loaded('hwcost.arch.cim_macro'), "
                  "loaded('hwcost.arch.mac_array', 'hwcost.arch.digital_cim'))") == ["True False"]


def test_every_name_in_registration_order_whichever_came_first() -> None:
    out = _fresh("registry.template_named('dcim'); registry.template_named('cim')\n"
                 "print(*registry.TEMPLATES)\nprint(*registry.template_names())")
    assert out == ["mac_array mac cim_macro cim digital_cim dcim", "mac_array cim_macro digital_cim"]


def test_an_unknown_name_lists_every_template_without_importing_one() -> None:
    out = _fresh("try:\n    registry.template_named('tpu')\nexcept Exception as err:\n    print(err)\n"
                 f"print(loaded('hwcost.arch.mac_array', *{CIM_MODULES!r}))")
    assert out == ["template: unknown template 'tpu'; templates: mac_array, mac, cim_macro, cim, digital_cim, dcim",
                   "False"]


@pytest.mark.parametrize("name", ["mac_array", "mac", "cim_macro", "cim", "digital_cim", "dcim"])
def test_load_arch_by_any_name(name: str) -> None:
    assert type(registry.load_arch(name)).template == registry.template_named(name).name


def test_an_arch_file_names_its_template_like_before(tmp_path) -> None:
    from hwcost.errors import HwcostError

    path = tmp_path / "a.yaml"
    path.write_text("template: tpu\n")
    with pytest.raises(HwcostError) as err:
        registry.load_arch(path)
    assert "expected one of mac_array, mac, cim_macro, cim, digital_cim, dcim" in str(err.value)
