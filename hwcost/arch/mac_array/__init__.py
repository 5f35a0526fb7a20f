"""The MAC-array template: a PE grid, post-processing lanes, a global buffer and DRAM.

``config`` its keys and defaults, ``counts`` the vectorised action counts of a dataflow,
``plan`` the priced rows of one design point, ``template`` all three behind the protocol.
"""
