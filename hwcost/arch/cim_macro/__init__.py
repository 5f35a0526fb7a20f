"""The compute-in-memory template: analog SRAM / ReRAM macros with ADC readout.

``config`` its keys and defaults (and the macro's numerics, shared with the accuracy side),
``counts`` the vectorised geometry, weight residency and action counts, ``cells`` the bit cells,
``leakage`` static power and power gating (shared with the digital-CIM template), ``plan`` the
priced rows of one design point, ``template`` all of them behind the protocol. Equations:
``docs/cim-model.md``.
"""
