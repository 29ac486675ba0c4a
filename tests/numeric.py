"""The numeric policy of the tests: how close two floating-point results must be.

Written down once, so that a test's tolerance says *why* it is what it is, and holds on
every CPU (AVX2, AVX-512, AMX) and every oneDNN kernel TensorFlow picks for a shape.

1. **Exact** (``np.testing.assert_array_equal``, ``==``) where the same operation runs on
   the same data: the same call twice, an array stored and drawn unchanged, max pooling,
   integer arithmetic, values exactly representable (a multiple of a power of two).
2. **Elementwise** (:func:`elementwise`): one rounding per element, as in ``x / 255`` in
   float32 against float64, or an affine rescale for drawing. A few units of roundoff
   ``u`` (``2**-24`` in float32), relative.
3. **A reduction in another order** (:func:`reordered_sum`): a convolution, matrix product
   or mean of ``n`` terms, computed by another kernel (another batch size, instruction
   set or chunking picks another oneDNN kernel) or by NumPy in float64. Any order of a sum
   is within ``(n - 1) u sum|x_i|`` of the exact one (Higham, *Accuracy and Stability of
   Numerical Algorithms*, 2nd ed., eq. 4.4), so two orders are within twice that:
   ``atol = 2 n u * magnitude``, where ``magnitude`` bounds ``sum|x_i|`` of one output.
4. **A network** (:func:`network`): ``depth`` such reductions in a row, each of about
   ``fan_in`` terms, on values of about ``magnitude``: the first-order bound grows with
   the depth, ``atol = 2 depth fan_in u * magnitude``. Grad-CAM, a forward and a backward
   pass, counts both passes in ``depth``.

A tolerance from these rules is still far below what a wrong result gives: a wrong class,
a shifted window or a missing term changes outputs by ~0.1 of their scale, thousands of
times more. A test that compares such results with ``1e-6`` by habit fails on the next
CPU; a test that compares them with ``1e-2`` by habit would miss a bug. Half precision
(``bfloat16``, ``u = 2**-8``) follows the same rules with its own ``u``.
"""

from __future__ import annotations

import numpy as np

# unit roundoff: half the distance from 1 to the next float
ROUNDOFF = {
    "float64": 2.0**-53,
    "float32": 2.0**-24,
    "bfloat16": 2.0**-8,
    "float16": 2.0**-11,
}


def roundoff(dtype="float32") -> float:
    """The unit roundoff ``u`` of ``dtype`` (a name or a NumPy dtype)."""
    name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    return ROUNDOFF[name]


def elementwise(dtype="float32", *, ulps: int = 4) -> dict:
    """``assert_allclose`` keywords for one rounding per element: ``rtol = ulps * u``."""
    return {"rtol": ulps * roundoff(dtype), "atol": 0}


def reordered_sum(n_terms: int, *, magnitude: float = 1.0, dtype="float32") -> dict:
    """``assert_allclose`` keywords for a sum of ``n_terms`` computed in another order.

    ``magnitude`` bounds the sum of the terms' absolute values for one output.
    """
    return {"rtol": 0, "atol": 2 * n_terms * roundoff(dtype) * magnitude}


def network(depth: int, fan_in: int, *, magnitude: float = 1.0, dtype="float32") -> dict:
    """``assert_allclose`` keywords for ``depth`` reductions of ``fan_in`` terms in a row."""
    return {"rtol": 0, "atol": 2 * depth * fan_in * roundoff(dtype) * magnitude}


def conv_layer(x, kernel, *, dtype="float32") -> dict:
    """``assert_allclose`` keywords for one convolution of ``x`` by ``kernel`` in another order.

    Rule 3 with its bound computed: each output sums ``kh * kw * c_in`` products, whose
    absolute values add up to at most ``max|x| * max over filters of sum|w|``.
    """
    x, kernel = np.asarray(x, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    n_terms = int(np.prod(kernel.shape[:-1]))
    magnitude = np.abs(x).max() * np.abs(kernel).reshape(n_terms, -1).sum(axis=0).max()
    return reordered_sum(n_terms, magnitude=float(magnitude), dtype=dtype)
