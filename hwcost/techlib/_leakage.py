"""How much less a low-power library's logic leaks than a high-performance one's, per transistor.

Stillmaker & Baas 2017 fit delay and dynamic energy per flavour but give no leakage. Leakage per
micron of transistor width for each ITRS device type is in CACTI's technology tables
(HewlettPackard/cacti, ``technology.cc``, the ``tech == 45`` block, the 300 K entries ``[0]``):

=============== ======== ================== =================== ==============================
device          Vdd (V)  I_off (A/um)       I_gate (A/um)       leakage power (W/um) [D]
=============== ======== ================== =================== ==============================
itrs-hp         1.0      2.8e-7             3.59e-8             (2.8e-7 + 3.59e-8) x 1.0
itrs-lstp       1.1      1.01e-11           9.47e-12            (1.01e-11 + 9.47e-12) x 1.1
=============== ======== ================== =================== ==============================

The Stillmaker-Baas LP fit is the PTM low-power device at 1.1 V nominal, the supply of ITRS's
low-standby-power (LSTP) transistor; HP is ITRS's high-performance one at 1.0 V. So a library
moved from HP to LP has its logic leakage multiplied by P_lstp / P_hp = 6.81e-5 (and by the
inverse from LP to HP) [D]. 300 K, not CACTI's default 360 K: the logic leakage it multiplies is
Aladdin's, whose characterisation corner is not hotter than typical (``45nm.yaml``). Only the
45 nm row is used, at every node: the ratio of the two device types is the quantity, and the
scaler applies the node's supply dependence separately (the energy factor).
"""

from __future__ import annotations

from hwcost.techlib.library import Flavour

__all__ = ["DEVICE_LEAKAGE_W_PER_UM", "flavour_leakage_factor"]

# Leakage power per micron of width, (I_off + I_gate) x Vdd at 300 K, 45 nm (table above) [P, D].
DEVICE_LEAKAGE_W_PER_UM: dict[Flavour, float] = {
    Flavour.HP: (2.8e-7 + 3.59e-8) * 1.0,
    Flavour.LP: (1.01e-11 + 9.47e-12) * 1.1,
}


def flavour_leakage_factor(source: Flavour, target: Flavour) -> float:
    """The factor on a logic component's leakage when its library changes flavour.

    >>> round(flavour_leakage_factor(Flavour.HP, Flavour.LP), 9), flavour_leakage_factor(Flavour.LP, Flavour.LP)
    (6.8145e-05, 1.0)
    """
    return DEVICE_LEAKAGE_W_PER_UM[target] / DEVICE_LEAKAGE_W_PER_UM[source]
