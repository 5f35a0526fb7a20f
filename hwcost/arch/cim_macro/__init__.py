"""The compute-in-memory template: analog SRAM / ReRAM macros with ADC readout.

``config`` its keys and defaults (and the macro's numerics, shared with the accuracy side),
``counts`` the vectorised geometry and action counts, ``plan`` the priced rows of one design
point, ``template`` all of them behind the protocol. Equations: ``docs/cim-model.md``.
"""
