"""The digital compute-in-memory template: SRAM bit cells with a bitwise gate per cell, an adder tree
per column group and shift-accumulation over bit-serial inputs and weight groups.

``config`` its keys and defaults, ``counts`` the vectorised geometry and action counts, ``plan`` the
priced rows of one design point, ``template`` all of them behind the protocol. Equations:
``docs/digital-cim.md``.
"""
