"""Bit-width arithmetic of the integer datapath: pure functions with their derivations.

>>> accumulator_bits(4, True, 4, False, 576)  # 4b signed x 4b unsigned over 3x3x64
18
>>> accumulator_bits(8, False, 8, False, 576)  # uint8 x uint8 (Jacob et al. 2018 eq. 10)
27
"""

from __future__ import annotations

__all__ = ["DEFAULT_REDUCTION_LENGTH", "ceil_log2", "accumulator_bits", "window_sum_bits", "shift_amount_bits",
           "popcount_bits"]

# A 3x3 convolution over 64 input channels, N = C_in*k_h*k_w = 576: the first stage of
# ResNet-18 (He et al. 2016, Table 1, conv2_x) and the last stage of CIFAR ResNet-20.
DEFAULT_REDUCTION_LENGTH = 3 * 3 * 64


def ceil_log2(n: int) -> int:
    """ceil(log2 n) for n >= 1, exact for integers."""
    return (n - 1).bit_length()


def accumulator_bits(w_bits: int, w_signed: bool, a_bits: int, a_signed: bool, reduction_length: int) -> int:
    """Width of a signed accumulator that cannot overflow on a dot product of length N.

    acc_bits = b_w + b_a + ceil(log2 N) + [both operands unsigned].

    Derivation [A]: one product of a b_w-bit and a b_a-bit operand fits in b_w + b_a bits
    (signed x signed: |p| <= 2^(b_w+b_a-2); signed x unsigned: |p| < 2^(b_w+b_a-1)), so N of them
    fit in b_w + b_a + ceil(log2 N) signed bits. Unsigned x unsigned products reach
    (2^b_w - 1)(2^b_a - 1) < 2^(b_w+b_a), which needs one more bit for the sign the accumulator
    keeps for bias and zero-point corrections (Jacob et al. 2018 eq. 7 subtracts them).
    """
    both_unsigned = not w_signed and not a_signed
    return w_bits + a_bits + ceil_log2(reduction_length) + int(both_unsigned)


def window_sum_bits(a_bits: int, reduction_length: int) -> int:
    """Width of sum_k x_k over a window of N codes of b_a bits: b_a + ceil(log2 N).

    The sum has the sign of its codes: unsigned codes stay unsigned, signed codes keep their
    sign bit inside b_a, so the same formula holds for both.
    """
    return a_bits + ceil_log2(reduction_length)


def shift_amount_bits(max_shift: int) -> int:
    """Bits to store a right-shift amount 0..max_shift (the n of M0*2^-n)."""
    return max(1, ceil_log2(max_shift + 1))


def popcount_bits(reduction_length: int) -> int:
    """Width of the popcount of N 1-bit inputs, a count 0..N: ceil(log2(N + 1)) bits.

    A binary layer's dot product of N values in {-1, +1} is 2*popcount - N (Courbariaux et al.
    2016, arXiv:1602.02830), so the count, not the signed sum, is what the datapath holds.

    >>> popcount_bits(576), popcount_bits(7), popcount_bits(8)
    (10, 3, 4)
    """
    return ceil_log2(reduction_length + 1)
