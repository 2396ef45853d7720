"""Tests for the gradient checker: it must pass correct rules and catch wrong ones, with a report
that names the input, the worst element, expected vs got and the relative error.

The wrong rules are tiny operations built with ``Tensor._result`` whose backward is deliberately
broken in the ways students break them: a sign, a factor of two, an ignored upstream gradient.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff_numpy import Tensor
from autodiff_numpy.gradcheck import (
    GradCheckResult,
    InputCheck,
    compare_gradient,
    gradcheck,
    numerical_gradients,
    relative_error,
)

# ----------------------------------------------------------------------------------------------
# A square operation whose backward rule the test chooses
# ----------------------------------------------------------------------------------------------


def square_with(rule):
    """``x ** 2`` elementwise with ``rule(g, x)`` as its backward (the correct one is ``2 x g``)."""

    def square(x):
        a = x.data
        return Tensor._result(a * a, (x,), lambda out, g: (rule(g, a),))

    return square


CORRECT = square_with(lambda g, a: 2 * a * g)
SIGN_ERROR = square_with(lambda g, a: -2 * a * g)
FACTOR_OF_TWO = square_with(lambda g, a: a * g)
IGNORES_UPSTREAM = square_with(lambda g, a: 2 * a)


def wrong_at(index, factor):
    """A square whose gradient is off by ``factor`` at a single element."""

    def rule(g, a):
        grad = 2 * a * g
        grad[index] *= factor
        return grad

    return square_with(rule)


def mul_with(rule_a, rule_b):
    """``a * b`` (same shapes) with chosen backward rules for each input."""

    def mul(a, b):
        x, y = a.data, b.data
        return Tensor._result(x * y, (a, b), lambda out, g: (rule_a(g, x, y), rule_b(g, x, y)))

    return mul


def right_a(g, x, y):
    """The correct rule of ``x * y`` for ``x``."""
    return g * y


def right_b(g, x, y):
    """The correct rule of ``x * y`` for ``y``."""
    return g * x


@pytest.fixture
def x():
    return np.random.default_rng(0).uniform(0.5, 2.0, size=(3, 4)) * np.array([1, -1, 1, -1])


# ----------------------------------------------------------------------------------------------
# Correct rules pass
# ----------------------------------------------------------------------------------------------


def test_correct_rule_passes(x):
    result = gradcheck(CORRECT, x)
    assert isinstance(result, GradCheckResult)
    assert result.passed and bool(result)
    assert len(result.inputs) == 1 and result.inputs[0].passed
    assert "WRONG" not in str(result)


@pytest.mark.parametrize(
    "fn, shapes",
    [
        pytest.param(lambda a, b: a * b, [(2, 3), (3,)], id="mul-broadcast"),
        pytest.param(lambda a, b: a @ b, [(2, 3), (3, 4)], id="matmul"),
        pytest.param(lambda a, b: (a / b).tanh(), [(4,), (4,)], id="div-tanh"),
        pytest.param(lambda a: a.exp().sum(axis=0), [(3, 2)], id="exp-sum"),
        pytest.param(lambda a: a.softmax(axis=-1), [(2, 5)], id="softmax"),
    ],
)
def test_engine_operations_pass(fn, shapes):
    rng = np.random.default_rng(1)
    inputs = [rng.uniform(0.5, 1.5, size=shape) for shape in shapes]
    result = gradcheck(fn, *inputs)
    assert result.passed, str(result)
    assert len(result.inputs) == len(shapes)


def test_gradcheck_does_not_modify_its_inputs(x):
    original = x.copy()
    gradcheck(CORRECT, x)
    gradcheck(SIGN_ERROR, Tensor(x))
    np.testing.assert_array_equal(x, original)


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(1, 4),
    cols=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_correct_rule_passes_for_any_shape_and_seed(rows, cols, seed):
    data = np.random.default_rng(seed).uniform(-2, 2, size=(rows, cols))
    assert gradcheck(lambda a: (a * a).tanh(), data, rng=seed).passed


# ----------------------------------------------------------------------------------------------
# Wrong rules fail
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong",
    [SIGN_ERROR, FACTOR_OF_TWO, IGNORES_UPSTREAM],
    ids=["sign", "factor-of-two", "ignores-upstream"],
)
def test_wrong_rule_fails(wrong, x):
    result = gradcheck(wrong, x)
    assert not result.passed and not bool(result)
    assert not result.inputs[0].passed
    assert "WRONG" in str(result)


def test_ignored_upstream_only_caught_because_the_upstream_is_random(x):
    # With an all-ones upstream the rule that ignores g gives exactly the right numbers ...
    ones = np.ones_like(x)
    numeric_with_ones = numerical_gradients(lambda a: a * a, [x.copy()], ones)[0]
    t = Tensor(x, requires_grad=True)
    IGNORES_UPSTREAM(t).backward(ones)
    np.testing.assert_allclose(t.grad, numeric_with_ones, rtol=1e-8)
    # ... so only gradcheck's random upstream can reveal it, whatever the seed.
    for seed in range(5):
        assert not gradcheck(IGNORES_UPSTREAM, x, rng=seed).passed


def test_sign_error_report_relative_error_is_two(x):
    check = gradcheck(SIGN_ERROR, x).inputs[0]
    # a = -n everywhere, so |a - n| / max(|a|, |n|) = 2 at every element.
    assert check.max_relative_error == pytest.approx(2.0, rel=1e-6)
    assert check.got_value == pytest.approx(-check.expected_value, rel=1e-6)


def test_report_names_input_worst_element_expected_got_and_relative_error(x):
    index = (1, 2)
    seed = 123
    result = gradcheck(wrong_at(index, 3.0), x, names=["weights"], rng=np.random.default_rng(seed))
    check = result.inputs[0]
    assert isinstance(check, InputCheck)
    assert check.name == "weights"
    assert not check.passed
    assert check.worst_index == index
    # gradcheck draws its upstream gradient from the generator it was given.
    upstream = np.random.default_rng(seed).standard_normal(x.shape)
    true_grad = upstream[index] * 2 * x[index]
    assert check.expected_value == pytest.approx(true_grad, rel=1e-7)
    assert check.got_value == pytest.approx(3 * true_grad, rel=1e-12)
    # CS231n: |a - n| / max(|a|, |n|) = |3t - t| / |3t| = 2/3
    assert check.max_relative_error == pytest.approx(2 / 3, rel=1e-6)
    text = str(result)
    assert "weights" in text
    assert "WRONG" in text
    assert str(index) in text
    assert f"{check.expected_value:.6g}" in text
    assert f"{check.got_value:.6g}" in text
    assert f"{check.max_relative_error:.2e}" in text


def test_report_says_which_of_several_inputs_is_wrong():
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.5, 1.5, (2, 3)), rng.uniform(0.5, 1.5, (2, 3))
    # d(xy)/dy = x; the rule for b wrongly uses y.
    result = gradcheck(mul_with(right_a, right_a), a, b, names=["a", "b"])
    assert not result.passed
    first, second = result.inputs
    assert first.name == "a" and first.passed
    assert second.name == "b" and not second.passed
    text = str(result)
    assert "a: ok" in text
    assert "b: WRONG" in text


def test_default_names_number_the_inputs():
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0.5, 1.5, 3), rng.uniform(0.5, 1.5, 3)
    result = gradcheck(mul_with(lambda g, x, y: -g * y, right_b), a, b)
    assert [c.name for c in result.inputs] == ["input 0", "input 1"]
    assert [c.passed for c in result.inputs] == [False, True]
    assert "input 0: WRONG" in str(result)


def test_missing_gradient_is_reported():
    rng = np.random.default_rng(4)
    a, b = rng.uniform(0.5, 1.5, 3), rng.uniform(0.5, 1.5, 3)
    result = gradcheck(mul_with(right_a, lambda g, x, y: None), a, b)
    assert result.inputs[0].passed
    assert not result.inputs[1].passed
    assert "None" in result.inputs[1].problem


# ----------------------------------------------------------------------------------------------
# compare_gradient
# ----------------------------------------------------------------------------------------------


def test_compare_gradient_accepts_equal_and_nearly_equal():
    expected = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert compare_gradient("w", expected, expected.copy()).passed
    assert compare_gradient("w", expected, expected * (1 + 1e-8)).passed


def test_compare_gradient_rejects_a_small_but_real_difference():
    expected = np.array([[1.0, -2.0], [3.0, 0.5]])
    got = expected.copy()
    got[1, 0] *= 1 + 1e-3
    check = compare_gradient("w", expected, got)
    assert not check.passed
    assert check.worst_index == (1, 0)
    assert check.expected_value == 3.0
    assert check.got_value == pytest.approx(3.003)
    assert check.max_relative_error == pytest.approx(0.003 / 3.003, rel=1e-9)


def test_compare_gradient_wrong_shape():
    check = compare_gradient("w", np.zeros((2, 3)), np.zeros((3, 2)))
    assert not check.passed
    assert "(3, 2)" in check.problem and "(2, 3)" in check.problem
    assert "shape" in str(check)


def test_compare_gradient_none():
    check = compare_gradient("w", np.array([1.0, 2.0]), None)
    assert not check.passed
    assert "None" in check.problem
    # An input the output does not depend on may have no gradient.
    assert compare_gradient("w", np.zeros(2), None).passed


def test_compare_gradient_nan_and_inf():
    got = np.array([1.0, 2.0, np.nan, 4.0])
    check = compare_gradient("w", np.array([1.0, 2.0, 3.0, 4.0]), got)
    assert not check.passed
    assert check.worst_index == (2,)
    assert "nan" in check.problem.lower() and "(2,)" in check.problem
    assert not compare_gradient("w", np.ones(2), np.array([1.0, np.inf])).passed


# ----------------------------------------------------------------------------------------------
# relative_error and numerical_gradients
# ----------------------------------------------------------------------------------------------


def test_relative_error_by_hand():
    a = np.array([1.0, 0.0, -2.0, 3.0, 1e-3])
    b = np.array([1.1, 0.0, 2.0, 0.0, 2e-3])
    expected = [0.1 / 1.1, 0.0, 4.0 / 2.0, 3.0 / 3.0, 1e-3 / 2e-3]
    np.testing.assert_allclose(relative_error(a, b), expected, rtol=1e-12)
    assert relative_error(3.0, 1.0) == pytest.approx(2 / 3)
    # symmetric
    np.testing.assert_array_equal(relative_error(a, b), relative_error(b, a))


def test_numerical_gradient_of_a_polynomial():
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, size=(3, 4))
    upstream = rng.standard_normal((3, 4))
    original = x.copy()

    def f(a):
        return 3 * a**3 - 2 * a**2 + a - 7

    (grad,) = numerical_gradients(f, [x], upstream)
    np.testing.assert_allclose(grad, upstream * (9 * x**2 - 4 * x + 1), rtol=1e-7, atol=1e-8)
    np.testing.assert_array_equal(x, original)  # restored


def test_numerical_gradients_of_two_inputs():
    rng = np.random.default_rng(6)
    x, y = rng.uniform(-2, 2, 5), rng.uniform(-2, 2, 5)
    upstream = rng.standard_normal(5)
    grad_x, grad_y = numerical_gradients(lambda a, b: a**2 * b, [x, y], upstream)
    np.testing.assert_allclose(grad_x, upstream * 2 * x * y, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(grad_y, upstream * x**2, rtol=1e-7, atol=1e-8)


@settings(max_examples=30, deadline=None)
@given(
    coefficients=st.lists(st.floats(-3, 3), min_size=1, max_size=4),
    point=st.floats(-2, 2),
    upstream=st.floats(-2, 2),
)
def test_numerical_gradient_of_any_polynomial(coefficients, point, upstream):
    def f(a):
        return sum(c * a**k for k, c in enumerate(coefficients))

    derivative = sum(k * c * point ** (k - 1) for k, c in enumerate(coefficients) if k > 0)
    (grad,) = numerical_gradients(f, [np.array([point])], np.array([upstream]))
    assert grad[0] == pytest.approx(upstream * derivative, rel=1e-6, abs=1e-7)
