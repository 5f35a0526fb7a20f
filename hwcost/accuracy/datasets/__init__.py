"""Readers of the real image-dataset formats (IDX, CIFAR python batches) and where to find them.

:mod:`hwcost.accuracy.data` turns what they read into a :class:`~hwcost.accuracy.data.Dataset`.
"""
