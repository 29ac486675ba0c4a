"""vz.rounding: the digits a lesson prints, and its errors."""

import math

import numpy as np
import pytest

from vizcnn.rounding import power_of_ten_below, significant


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (138.4, 2, "140"),
        (137.0, 2, "140"),  # the two CPUs' gradient norms print alike
        (164.2, 2, "160"),
        (0.8417, 2, "0.84"),
        (3.03, 2, "3.0"),  # a kept trailing zero is a significant digit
        (12_345, 3, "12,300"),
        (99.6, 2, "100"),  # rounding up adds a digit before the point
        (0.000996, 2, "0.0010"),
        (-0.0123, 2, "-0.012"),
        (0.0, 2, "0.0"),
        (7.0, 1, "7"),
        (np.float32(163.7), 2, "160"),
    ],
)
def test_significant_digits(x, digits, text):
    assert significant(x, digits) == text


def test_significant_keeps_exactly_the_asked_digits():
    rng = np.random.default_rng(0)
    for x in 10.0 ** rng.uniform(-4, 6, 200):
        for digits in (1, 2, 3):
            text = significant(x, digits)
            shown = float(text.replace(",", ""))
            assert math.isclose(shown, float(f"{x:.{digits}g}"), rel_tol=1e-12), (x, text)
            plain = text.replace(",", "")
            if "." in plain:  # every digit after the leading zeros is significant
                assert len(plain.replace(".", "").lstrip("0")) == digits, text
            else:  # a whole number: its trailing zeros only place the point
                assert len(plain.rstrip("0")) <= digits, text


@pytest.mark.parametrize(
    ("x", "power"), [(2_387_190, 1_000_000), (1000, 1000), (999.99, 100), (1, 1), (10.0, 10)]
)
def test_power_of_ten_below(x, power):
    assert power_of_ten_below(x) == power


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: significant("1.5"), TypeError, "x must be a real number"),
        (lambda: significant(np.ones(3)), TypeError, "x must be a real number"),
        (lambda: significant(True), TypeError, "x must be a real number"),
        (lambda: significant(float("nan")), ValueError, "x must be finite"),
        (lambda: significant(1.5, 0), ValueError, "digits"),
        (lambda: significant(1.5, 2.0), TypeError, "digits must be an int"),
        (lambda: power_of_ten_below(0.5), ValueError, "at least 1"),
        (lambda: power_of_ten_below(math.inf), ValueError, "finite"),
    ],
)
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()
