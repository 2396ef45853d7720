"""The scalar MLP: initialisation and seeding, the forward computation, gradients, and training."""

import numpy as np
import pytest

from autodiff_numpy import seeding
from autodiff_numpy.nn.scalar import MLP, Layer, Neuron
from autodiff_numpy.value import Value


def weights(module):
    return [p.data for p in module.parameters()]


# ---- initialisation ----


def test_same_seed_same_weights_other_seed_other_weights():
    assert weights(MLP(2, [4, 3, 1], rng=7)) == weights(MLP(2, [4, 3, 1], rng=7))
    assert weights(MLP(2, [4, 3, 1], rng=7)) != weights(MLP(2, [4, 3, 1], rng=8))
    assert weights(Neuron(3, rng=1)) == weights(Neuron(3, rng=1))
    assert weights(Layer(3, 2, rng=1)) == weights(Layer(3, 2, rng=1))


def test_one_generator_for_the_whole_network_so_layers_and_neurons_differ():
    model = MLP(3, [3, 3, 1], rng=0)
    first, second = (weights(layer) for layer in model.layers[:2])
    assert len(first) == len(second) == 12
    assert first != second
    neurons = model.layers[0].neurons
    assert weights(neurons[0]) != weights(neurons[1])


def test_a_generator_is_drawn_from_not_copied():
    g = np.random.default_rng(5)
    one, two = MLP(2, [3, 1], rng=g), MLP(2, [3, 1], rng=g)
    assert weights(one) != weights(two)
    assert weights(one) == weights(MLP(2, [3, 1], rng=np.random.default_rng(5)))


def test_no_rng_uses_the_package_default_generator(monkeypatch):
    monkeypatch.setattr(seeding, "_default", seeding._default)  # put it back afterwards
    seeding.manual_seed(3)
    first = weights(MLP(2, [3, 1]))
    seeding.manual_seed(3)
    assert weights(MLP(2, [3, 1])) == first


def test_weights_and_biases_are_uniform_between_minus_one_and_one():
    values = np.array(weights(MLP(2, [16, 16, 1], rng=0)))
    assert np.all((values > -1) & (values < 1))
    assert values.min() < -0.9 and values.max() > 0.9  # not uniform(0, 1), not squeezed
    biases = [n.b.data for layer in MLP(2, [16, 16, 1], rng=0).layers for n in layer.neurons]
    assert min(biases) < -0.2 and max(biases) > 0.2  # biases are drawn too, not zero


def test_parameter_count_and_stable_order():
    model = MLP(2, [16, 16, 1], rng=0)
    params = model.parameters()
    assert len(params) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert all(isinstance(p, Value) for p in params)
    assert len({id(p) for p in params}) == len(params)
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    first_neuron = model.layers[0].neurons[0]
    assert [id(p) for p in params[:3]] == [id(p) for p in first_neuron.w + [first_neuron.b]]
    last_neuron = model.layers[-1].neurons[0]
    assert params[-1] is last_neuron.b


def test_repr():
    model = MLP(2, [16, 16, 1], rng=0)
    assert repr(model) == (
        "MLP of [Layer(2 -> 16, ReLU), Layer(16 -> 16, ReLU), Layer(16 -> 1, linear)]"
    )
    assert repr(model.layers[0].neurons[0]) == "ReLUNeuron(2)"
    assert repr(model.layers[-1].neurons[0]) == "LinearNeuron(16)"


# ---- the forward computation ----


def numpy_forward(model, x):
    """The same network written with NumPy arrays: relu(W x + b) per hidden layer, W x + b last."""
    h = np.asarray(x, dtype=float)
    for i, layer in enumerate(model.layers):
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        h = W @ h + b
        if i < len(model.layers) - 1:
            h = np.maximum(h, 0.0)
    return h


def test_forward_matches_numpy():
    model = MLP(3, [5, 4, 2], rng=11)
    rng = np.random.default_rng(0)
    for x in rng.normal(size=(6, 3)):
        out = model(list(x))
        assert isinstance(out, list) and len(out) == 2
        np.testing.assert_allclose([o.data for o in out], numpy_forward(model, x), rtol=1e-12)
        single = MLP(3, [4, 1], rng=2)
        assert single(x).data == pytest.approx(numpy_forward(single, x)[0], rel=1e-12)


def test_neuron_linear_and_relu():
    x = [0.5, -1.5, 2.0]
    for seed in range(6):
        linear = Neuron(3, nonlinear=False, rng=seed)
        relu = Neuron(3, rng=seed)
        z = sum(w.data * xi for w, xi in zip(linear.w, x, strict=True)) + linear.b.data
        assert linear(x).data == pytest.approx(z, rel=1e-12)
        assert relu(x).data == pytest.approx(max(z, 0.0), rel=1e-12, abs=0.0)


def test_layer_of_one_returns_the_value_itself_and_of_many_a_list():
    assert isinstance(Layer(2, 1, rng=0)([1.0, 2.0]), Value)
    outputs = Layer(2, 3, rng=0)([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 3
    assert all(isinstance(o, Value) for o in outputs)
    # a one-unit hidden layer's output feeds the next layer
    out = MLP(2, [1, 1], rng=0)([1.0, 2.0])
    assert isinstance(out, Value)


def test_wrong_number_of_inputs_is_an_error():
    with pytest.raises(ValueError, match="expects 3 inputs, got 2"):
        Neuron(3, rng=0)([1.0, 2.0])


# ---- gradients ----


def test_linear_neuron_gradients_by_hand():
    # out = w0 x0 + w1 x1 + b: d/dw_i = x_i, d/dx_i = w_i, d/db = 1
    neuron = Neuron(2, nonlinear=False, rng=4)
    x = [Value(1.5), Value(-2.0)]
    neuron(x).backward()
    for w, xi in zip(neuron.w, x, strict=True):
        assert w.grad == xi.data
        assert xi.grad == w.data
    assert neuron.b.grad == 1.0


def hinge_loss(model, X, Y):
    scores = [model(x) for x in X]
    return sum((1 - y * s).relu() for y, s in zip(Y, scores, strict=True)) * (1 / len(X))


def test_parameter_gradients_agree_with_finite_differences():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 2)).tolist()
    Y = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]
    model = MLP(2, [5, 1], rng=3)
    loss = hinge_loss(model, X, Y)
    loss.backward()
    h = 1e-6
    for p in model.parameters():
        start = p.data
        p.data = start + h
        up = hinge_loss(model, X, Y).data
        p.data = start - h
        down = hinge_loss(model, X, Y).data
        p.data = start
        assert p.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)
    assert any(p.grad != 0 for p in model.parameters())


def test_zero_grad():
    model = MLP(2, [3, 1], rng=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    layer = Layer(2, 2, rng=0)
    sum(layer([1.0, 1.0])).backward()
    layer.zero_grad()
    assert all(p.grad == 0.0 for p in layer.parameters())


# ---- training: the end-to-end check ----


def separable_points(seed, n=40, gap=0.3):
    """Points in [-2, 2]^2 labelled by the side of the line x0 + x1/2 = 0, none closer than gap."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(4 * n, 2))
    side = X[:, 0] + 0.5 * X[:, 1]
    X, side = X[np.abs(side) > gap][:n], side[np.abs(side) > gap][:n]
    assert len(X) == n
    return X.tolist(), np.where(side > 0, 1.0, -1.0).tolist()


def test_sgd_drives_the_hinge_loss_down_and_separates_the_points():
    X, Y = separable_points(seed=0)
    model = MLP(2, [8, 1], rng=0)
    losses = []
    for _ in range(200):
        loss = hinge_loss(model, X, Y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
        losses.append(loss.data)
    accuracy = np.mean([np.sign(model(x).data) == y for x, y in zip(X, Y, strict=True)])
    assert losses[0] > 0.3, "the untrained network should be wrong on many points"
    assert losses[-1] < 0.2 * losses[0] and losses[-1] < 0.1, losses[::20]
    assert accuracy >= 0.95
