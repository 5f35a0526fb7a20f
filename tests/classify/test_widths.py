"""The accumulator formula against brute-force extremes of the dot product."""

from hypothesis import given
from hypothesis import strategies as st

from hwcost.classify.widths import accumulator_bits, ceil_log2, shift_amount_bits, window_sum_bits


def _range(bits: int, signed: bool) -> tuple[int, int]:
    return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)


def _signed_bits_for(lo: int, hi: int) -> int:
    """Smallest two's-complement width holding [lo, hi]."""
    bits = 1
    while not (-(2 ** (bits - 1)) <= lo and hi <= 2 ** (bits - 1) - 1):
        bits += 1
    return bits


def _needed(w: int, ws: bool, a: int, as_: bool, n: int) -> int:
    (wl, wh), (al, ah) = _range(w, ws), _range(a, as_)
    products = [wl * al, wl * ah, wh * al, wh * ah]
    return _signed_bits_for(n * min(products), n * max(products))


bits = st.integers(2, 10)


@given(bits, st.booleans(), bits, st.booleans(), st.integers(1, 5000))
def test_accumulator_never_overflows(w: int, ws: bool, a: int, as_: bool, n: int) -> None:
    assert accumulator_bits(w, ws, a, as_, n) >= _needed(w, ws, a, as_, n)


@given(bits, st.booleans(), bits, st.booleans(), st.integers(0, 12))
def test_accumulator_is_tight_for_powers_of_two(w: int, ws: bool, a: int, as_: bool, k: int) -> None:
    assert accumulator_bits(w, ws, a, as_, 2**k) == _needed(w, ws, a, as_, 2**k)


def test_known_values() -> None:
    assert accumulator_bits(8, True, 8, False, 576) == 26
    assert accumulator_bits(8, False, 8, False, 2304) == 29  # Jacob et al.: fits int32
    assert [ceil_log2(n) for n in (1, 2, 3, 4, 5, 576, 1024)] == [0, 1, 2, 2, 3, 10, 10]
    assert window_sum_bits(8, 576) == 18
    assert shift_amount_bits(18) == 5 and shift_amount_bits(0) == 1
