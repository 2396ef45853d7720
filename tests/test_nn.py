"""Tests for the layers and the Module machinery of ``autodiff_numpy.nn``.

Expected values are computed here with plain NumPy from the definitions; gradients are checked
with finite differences (``gradcheck``, random upstream gradient) and, where simple, closed forms.
"""

import numpy as np
import pytest

from autodiff_numpy import Tensor, nn
from autodiff_numpy.gradcheck import gradcheck
from autodiff_numpy.nn import functional as F
from autodiff_numpy.optim import SGD

# ----------------------------------------------------------------------------------------------
# Linear
# ----------------------------------------------------------------------------------------------


def test_linear_forward_is_x_at_w_plus_b():
    layer = nn.Linear(3, 4, rng=0)
    assert layer.weight.shape == (3, 4)
    assert layer.bias.shape == (4,)
    x = np.random.default_rng(1).standard_normal((5, 3))
    out = layer(Tensor(x))
    assert out.shape == (5, 4)
    w, b = layer.weight.data, layer.bias.data
    expected = np.array(
        [[sum(x[n, i] * w[i, j] for i in range(3)) + b[j] for j in range(4)] for n in range(5)]
    )
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)


def test_linear_gradients():
    layer = nn.Linear(3, 2, rng=0)
    x = np.random.default_rng(1).standard_normal((4, 3))
    upstream = np.random.default_rng(2).standard_normal((4, 2))
    xt = Tensor(x, requires_grad=True)
    layer(xt).backward(upstream)
    # Y = X W + b: dX = G W^T, dW = X^T G, db = sum_n G
    np.testing.assert_allclose(xt.grad, upstream @ layer.weight.data.T, rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, x.T @ upstream, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, upstream.sum(axis=0), rtol=1e-12)
    result = gradcheck(lambda a, w, b: a @ w + b, x, layer.weight, layer.bias)
    assert result.passed, str(result)


def test_linear_init_bounds():
    fan_in = 16
    layer = nn.Linear(fan_in, 200, rng=0)
    bound = 1 / np.sqrt(fan_in)  # 0.25
    for p in (layer.weight.data, layer.bias.data):
        assert np.all(np.abs(p) <= bound)
        # uniform over the whole interval, not a narrower one: 3200 and 200 draws reach its ends
        assert p.max() > 0.9 * bound and p.min() < -0.9 * bound
    assert abs(layer.weight.data.mean()) < 0.02  # std of the mean: 0.25/sqrt(3)/sqrt(3200) = 0.0026


def test_linear_seeded_determinism():
    a, b, c = nn.Linear(3, 4, rng=0), nn.Linear(3, 4, rng=0), nn.Linear(3, 4, rng=1)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    assert not np.array_equal(a.bias.data, c.bias.data)
    generator = np.random.default_rng(5)
    first, second = nn.Linear(3, 4, rng=generator), nn.Linear(3, 4, rng=generator)
    assert not np.array_equal(first.weight.data, second.weight.data)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, rng=0)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.random.default_rng(1).standard_normal((4, 3))
    np.testing.assert_allclose(layer(Tensor(x)).data, x @ layer.weight.data, rtol=1e-12)


def test_linear_keeps_float32():
    layer = nn.Linear(3, 2, rng=0, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    x = Tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
    out = layer(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert layer.weight.grad.dtype == np.float32
    assert layer.bias.grad.dtype == np.float32
    assert x.grad.dtype == np.float32


def test_linear_wrong_input_width():
    layer = nn.Linear(3, 2, rng=0)
    with pytest.raises(ValueError, match=r"\(5, 4\)") as error:
        layer(Tensor(np.zeros((5, 4))))
    assert "3" in str(error.value)


# ----------------------------------------------------------------------------------------------
# Activations, Flatten
# ----------------------------------------------------------------------------------------------

X = np.array([[-2.0, -0.5, 0.3, 1.7], [3.0, -1.2, 0.8, -0.1]])


@pytest.mark.parametrize(
    "module, expected",
    [
        pytest.param(nn.ReLU(), np.where(X > 0, X, 0.0), id="relu"),
        pytest.param(nn.Sigmoid(), 1 / (1 + np.exp(-X)), id="sigmoid"),
        pytest.param(nn.Tanh(), (np.exp(X) - np.exp(-X)) / (np.exp(X) + np.exp(-X)), id="tanh"),
        pytest.param(
            nn.Softmax(), np.exp(X) / np.exp(X).sum(axis=1, keepdims=True), id="softmax-last"
        ),
        pytest.param(
            nn.Softmax(axis=0), np.exp(X) / np.exp(X).sum(axis=0, keepdims=True), id="softmax-0"
        ),
    ],
)
def test_activation_matches_closed_form(module, expected):
    np.testing.assert_allclose(module(Tensor(X)).data, expected, rtol=1e-12)
    # X has no zero entry, so ReLU is checked away from its kink.
    assert gradcheck(module, X).passed


def test_activation_closed_form_gradients():
    sig, tanh = 1 / (1 + np.exp(-X)), np.tanh(X)
    for module, derivative in [
        (nn.ReLU(), (X > 0).astype(float)),
        (nn.Sigmoid(), sig * (1 - sig)),
        (nn.Tanh(), 1 - tanh**2),
    ]:
        x = Tensor(X, requires_grad=True)
        module(x).sum().backward()
        np.testing.assert_allclose(x.grad, derivative, rtol=1e-12)


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = nn.Sigmoid()(Tensor([-1000.0, 1000.0])).data
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_flatten():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(x, requires_grad=True)
    out = nn.Flatten()(t)
    assert out.shape == (2, 12)
    np.testing.assert_array_equal(out.data[1], np.arange(12.0, 24.0))
    upstream = np.random.default_rng(0).standard_normal((2, 12))
    out.backward(upstream)
    np.testing.assert_array_equal(t.grad, upstream.reshape(2, 3, 4))


# ----------------------------------------------------------------------------------------------
# Dropout
# ----------------------------------------------------------------------------------------------


def test_dropout_train_zeros_about_p_and_scales_kept_entries():
    p = 0.3
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(200, 200))  # no zero entry
    t = Tensor(x, requires_grad=True)
    out = nn.Dropout(p, rng=1)(t)
    dropped = out.data == 0
    # 40,000 entries: the fraction's standard deviation is sqrt(0.21 / 40000) = 0.0023.
    assert abs(dropped.mean() - p) < 0.02
    kept = ~dropped
    np.testing.assert_allclose(out.data[kept], x[kept] / (1 - p), rtol=1e-15)
    # the gradient is the same mask, scaled
    upstream = np.random.default_rng(2).standard_normal(x.shape)
    out.backward(upstream)
    np.testing.assert_allclose(t.grad[kept], upstream[kept] / (1 - p), rtol=1e-15)
    assert np.all(t.grad[dropped] == 0)


def test_dropout_preserves_the_mean():
    p = 0.5
    out = nn.Dropout(p, rng=3)(Tensor(np.ones(100_000))).data
    assert set(np.unique(out)) == {0.0, 2.0}
    # each entry has mean 1 and variance p / (1 - p) = 1: the mean's std is 1 / sqrt(1e5) = 0.0032
    assert abs(out.mean() - 1.0) < 0.02


def test_dropout_eval_is_identity():
    x = np.random.default_rng(0).standard_normal((10, 10))
    layer = nn.Dropout(0.5, rng=0).eval()
    np.testing.assert_array_equal(layer(Tensor(x)).data, x)
    np.testing.assert_array_equal(F.dropout(Tensor(x), 0.5, training=False).data, x)
    np.testing.assert_array_equal(nn.Dropout(0.0, rng=0)(Tensor(x)).data, x)


def test_dropout_seeded_determinism():
    x = Tensor(np.ones((20, 20)))
    a, b, c = nn.Dropout(0.5, rng=7), nn.Dropout(0.5, rng=7), nn.Dropout(0.5, rng=8)
    first = a(x).data
    np.testing.assert_array_equal(first, b(x).data)
    assert not np.array_equal(first, c(x).data)
    assert not np.array_equal(first, a(x).data)  # a fresh mask on every call


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_invalid_p(p):
    with pytest.raises(ValueError, match="dropout"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="dropout"):
        F.dropout(Tensor(np.ones(3)), p)


# ----------------------------------------------------------------------------------------------
# LayerNorm
# ----------------------------------------------------------------------------------------------


def layer_norm_by_hand(x, axes, weight, bias, eps):
    mean = x.mean(axis=axes, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=axes, keepdims=True)  # biased, as PyTorch
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def test_layer_norm_starts_as_pure_normalisation():
    layer = nn.LayerNorm(4)
    np.testing.assert_array_equal(layer.weight.data, np.ones(4))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(4))
    x = np.random.default_rng(0).standard_normal((3, 4)) * 5 + 2
    out = layer(Tensor(x)).data
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=1), 4 * 25 / (4 * 25 + 1e-5), rtol=1e-3)


@pytest.mark.parametrize("shape, normalized", [((3, 4), (4,)), ((2, 3, 4), (3, 4))])
def test_layer_norm_matches_numpy(shape, normalized):
    rng = np.random.default_rng(1)
    layer = nn.LayerNorm(normalized, eps=1e-3)
    layer.weight.data[...] = rng.uniform(0.5, 1.5, normalized)
    layer.bias.data[...] = rng.standard_normal(normalized)
    x = rng.standard_normal(shape)
    axes = tuple(range(-len(normalized), 0))
    expected = layer_norm_by_hand(x, axes, layer.weight.data, layer.bias.data, 1e-3)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape, normalized", [((3, 4), (4,)), ((2, 3, 4), (3, 4))])
def test_layer_norm_gradients(shape, normalized):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    weight, bias = rng.uniform(0.5, 1.5, normalized), rng.standard_normal(normalized)
    result = gradcheck(
        lambda a, w, b: F.layer_norm(a, normalized, w, b, eps=1e-3),
        x,
        weight,
        bias,
        names=["input", "weight", "bias"],
    )
    assert result.passed, str(result)
    assert gradcheck(nn.LayerNorm(normalized), x).passed


def test_layer_norm_without_affine():
    layer = nn.LayerNorm(4, elementwise_affine=False)
    assert layer.parameters() == []
    x = np.random.default_rng(3).standard_normal((2, 4))
    np.testing.assert_allclose(layer(Tensor(x)).data, layer_norm_by_hand(x, -1, 1, 0, 1e-5))


# As in PyTorch, F.layer_norm applies weight and bias independently of each other.


def test_functional_layer_norm_with_weight_only():
    rng = np.random.default_rng(4)
    x, weight = rng.standard_normal((2, 4)), rng.uniform(0.5, 1.5, 4)
    out = F.layer_norm(Tensor(x), (4,), weight=Tensor(weight))
    np.testing.assert_allclose(out.data, layer_norm_by_hand(x, -1, weight, 0, 1e-5))


def test_functional_layer_norm_with_bias_only():
    rng = np.random.default_rng(5)
    x, bias = rng.standard_normal((2, 4)), rng.standard_normal(4)
    out = F.layer_norm(Tensor(x), (4,), bias=Tensor(bias))
    np.testing.assert_allclose(out.data, layer_norm_by_hand(x, -1, 1, bias, 1e-5))


def test_layer_norm_wrong_shape():
    with pytest.raises(ValueError, match=r"\(2, 5\)"):
        nn.LayerNorm(4)(Tensor(np.zeros((2, 5))))


# ----------------------------------------------------------------------------------------------
# Containers, parameters, modes
# ----------------------------------------------------------------------------------------------


def mlp(seed=0):
    return nn.Sequential(nn.Linear(2, 3, rng=seed), nn.ReLU(), nn.Linear(3, 1, rng=seed + 1))


def test_sequential_order_and_indexing():
    first, second = nn.Linear(2, 3, rng=0), nn.Linear(3, 1, rng=1)
    relu = nn.ReLU()
    model = nn.Sequential(first, relu, second)
    assert len(model) == 3
    assert model[0] is first and model[1] is relu and model[2] is second and model[-1] is second
    assert list(model) == [first, relu, second]
    x = np.random.default_rng(2).standard_normal((5, 2))
    hidden = np.maximum(x @ first.weight.data + first.bias.data, 0)
    expected = hidden @ second.weight.data + second.bias.data
    np.testing.assert_allclose(model(Tensor(x)).data, expected, rtol=1e-12)
    # order matters: ReLU first, then the affine map
    flipped = nn.Sequential(nn.ReLU(), nn.Linear(2, 3, rng=0))
    np.testing.assert_allclose(
        flipped(Tensor(x)).data, np.maximum(x, 0) @ first.weight.data + first.bias.data
    )


def test_named_parameters_and_order():
    model = mlp()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    expected = [model[0].weight, model[0].bias, model[2].weight, model[2].bias]
    params = model.parameters()
    assert len(params) == 4
    assert all(p is q for p, q in zip(params, expected, strict=True))
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params)


class TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.array([2.0]))
        self.branches = nn.ModuleList([nn.Linear(2, 2, rng=0), nn.Linear(2, 2, rng=1)])

    def forward(self, x):
        return sum(branch(x) for branch in self.branches) * self.scale


def test_module_list_registers_parameters():
    model = TwoBranches()
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "scale",
        "branches.0.weight",
        "branches.0.bias",
        "branches.1.weight",
        "branches.1.bias",
    ]
    assert len(model.branches) == 2
    assert model.branches[1].weight is model.parameters()[3]
    x = Tensor(np.ones((1, 2)))
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_shared_parameter_counted_once():
    first, second = nn.Linear(3, 3, rng=0), nn.Linear(3, 3, rng=1)
    second.weight = first.weight
    model = nn.Sequential(first, nn.Tanh(), second)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.bias"]
    assert len(model.parameters()) == 3
    # the shared weight receives the sum of both uses' gradients
    x = np.random.default_rng(2).standard_normal((4, 3))
    model(Tensor(x)).sum().backward()
    w, b1 = first.weight.data, first.bias.data
    hidden = np.tanh(x @ w + b1)
    ones = np.ones((4, 3))
    by_hand = hidden.T @ ones + x.T @ ((ones @ w.T) * (1 - hidden**2))
    np.testing.assert_allclose(first.weight.grad, by_hand, rtol=1e-12)
    result = gradcheck(lambda w: (Tensor(x) @ w + b1).tanh() @ w + second.bias, w)
    assert result.passed, str(result)
    # a module used twice also contributes its parameters once
    twice = nn.Sequential(first, first)
    assert len(twice.parameters()) == 2


def test_zero_grad():
    model = mlp()
    model(Tensor(np.ones((2, 2)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_propagate_to_children():
    inner = nn.Sequential(nn.Dropout(0.5, rng=0), nn.ReLU())
    model = nn.Sequential(nn.Linear(2, 2, rng=0), inner)
    modules = [model, model[0], inner, inner[0], inner[1]]
    assert all(m.training for m in modules)
    assert model.eval() is model
    assert not any(m.training for m in modules)
    x = np.random.default_rng(1).standard_normal((3, 2))
    expected = np.maximum(x @ model[0].weight.data + model[0].bias.data, 0)
    np.testing.assert_allclose(model(Tensor(x)).data, expected, rtol=1e-12)
    assert model.train() is model
    assert all(m.training for m in modules)


# ----------------------------------------------------------------------------------------------
# state_dict
# ----------------------------------------------------------------------------------------------


def test_state_dict_returns_copies():
    model = mlp()
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    np.testing.assert_array_equal(state["0.weight"], model[0].weight.data)
    before = model[0].weight.data.copy()
    state["0.weight"][...] = 123.0
    np.testing.assert_array_equal(model[0].weight.data, before)
    # and later training does not change a saved state
    saved = model.state_dict()
    model[2].bias.data += 1.0
    assert not np.array_equal(saved["2.bias"], model[2].bias.data)


def test_state_dict_round_trip():
    source, target = mlp(seed=0), mlp(seed=10)
    x = Tensor(np.random.default_rng(3).standard_normal((6, 2)))
    assert not np.allclose(source(x).data, target(x).data)
    weight, array = target[0].weight, target[0].weight.data
    state = source.state_dict()
    target.load_state_dict(state)
    np.testing.assert_array_equal(target(x).data, source(x).data)
    # loaded in place: optimizers keep their references, and the state stays the caller's own
    assert target[0].weight is weight and target[0].weight.data is array
    state["0.weight"][...] = 0.0
    np.testing.assert_array_equal(target[0].weight.data, source[0].weight.data)


def test_load_state_dict_keeps_the_model_dtype():
    model = nn.Sequential(nn.Linear(2, 3, rng=0, dtype=np.float32))
    state = {"0.weight": np.full((2, 3), 0.5), "0.bias": np.array([1.0, 2.0, 3.0])}
    model.load_state_dict(state)
    assert model[0].weight.dtype == np.float32 and model[0].bias.dtype == np.float32
    np.testing.assert_array_equal(model[0].bias.data, [1.0, 2.0, 3.0])


def test_load_state_dict_missing_key():
    state = mlp().state_dict()
    del state["2.bias"]
    with pytest.raises(KeyError, match=r"missing.*2\.bias"):
        mlp(seed=5).load_state_dict(state)


def test_load_state_dict_unexpected_key():
    state = mlp().state_dict()
    state["3.weight"] = np.zeros((1, 1))
    with pytest.raises(KeyError, match=r"unexpected.*3\.weight"):
        mlp(seed=5).load_state_dict(state)


def test_load_state_dict_wrong_shape():
    state = mlp().state_dict()
    state["0.weight"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"0\.weight") as error:
        mlp(seed=5).load_state_dict(state)
    assert "(2, 3)" in str(error.value) and "(3, 2)" in str(error.value)


# ----------------------------------------------------------------------------------------------
# repr
# ----------------------------------------------------------------------------------------------


def test_sequential_repr_lists_layers_with_sizes():
    text = repr(nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Linear(8, 1, bias=False)))
    lines = text.splitlines()
    assert lines[0] == "Sequential("
    assert lines[-1] == ")"
    assert "(0): Linear(" in lines[1] and "in_features=2" in lines[1]
    assert "out_features=8" in lines[1]
    assert "(1): ReLU()" in lines[2]
    assert "(2): Linear(" in lines[3] and "in_features=8" in lines[3]
    assert "out_features=1" in lines[3] and "bias=False" in lines[3]


# ----------------------------------------------------------------------------------------------
# End to end
# ----------------------------------------------------------------------------------------------


def test_mlp_overfits_a_tiny_batch():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((8, 3)))
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    model = nn.Sequential(nn.Linear(3, 32, rng=1), nn.Tanh(), nn.Linear(32, 3, rng=2))
    optimizer = SGD(model.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for _ in range(200):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] > 0.5  # near log(3) at the start
    assert losses[-1] < 0.05
    predictions = model(x).data.argmax(axis=1)
    np.testing.assert_array_equal(predictions, labels)


def test_dropout_without_rng_follows_manual_seed():
    from autodiff_numpy import manual_seed

    layer = nn.Dropout(0.5)
    x = Tensor(np.ones((8, 8)))
    manual_seed(11)
    first = layer(x).data
    manual_seed(11)
    np.testing.assert_array_equal(layer(x).data, first)


@pytest.mark.parametrize("x_shape", [(5, 3), (3,), (2, 4, 3)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_functional_linear_gradients_for_1d_2d_and_batched_inputs(x_shape, with_bias):
    rng = np.random.default_rng(7)
    inputs = [rng.normal(size=x_shape), rng.normal(size=(3, 2))] + (
        [rng.normal(size=(2,))] if with_bias else []
    )
    result = gradcheck(lambda *t: F.linear(*t), *inputs)
    assert result.passed, str(result)
    expected = inputs[0] @ inputs[1] + (inputs[2] if with_bias else 0)
    np.testing.assert_allclose(F.linear(*[Tensor(a) for a in inputs]).data, expected)
