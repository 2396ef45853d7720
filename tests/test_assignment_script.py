"""scripts/assignment.py: its printout is right (checked against hand-written backprop), it is
the same on every run, and it saves the figure."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "assignment.py"
NUMBER = r"-?\d+\.\d{4}"


def run(*args):
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    first = run("--out", str(folder / "first.png"))
    second = run("--out", str(folder / "second.png"))
    return folder, first, second


def parse(stdout):
    weights_text = stdout.split("Gradients of the first-layer weights:")[1].split(
        "Gradients of the first-layer biases:"
    )[0]
    biases_text = stdout.split("Gradients of the first-layer biases:")[1].split("Epoch 0")[0]
    weights = np.array([float(v) for v in re.findall(NUMBER, weights_text)])
    biases = np.array([float(v) for v in re.findall(NUMBER, biases_text)])
    epoch_lines = re.findall(rf"^Epoch (\d+): Average Loss = ({NUMBER})$", stdout, re.M)
    epochs = [int(epoch) for epoch, _ in epoch_lines]
    losses = [float(loss) for _, loss in epoch_lines]
    return weights.reshape(2, 10), biases, epochs, losses


def test_output_format_and_determinism(outputs):
    folder, first, second = outputs
    assert first.replace("first.png", "") == second.replace("second.png", "")
    weights, biases, epochs, losses = parse(first)
    assert weights.shape == (2, 10) and biases.shape == (10,)
    assert epochs == [0, 1, 2, 3, 4, 5]
    assert losses[-1] < losses[0] - 0.1, "five epochs of SGD should lower the loss"


def test_figure_is_a_real_png(outputs):
    folder, _, _ = outputs
    data = (folder / "first.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_printed_gradients_match_hand_written_backprop(outputs):
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import assignment
    finally:
        sys.path.pop(0)
    from autodiff_numpy.data import make_moons

    X, y = make_moons(200, noise=0.1, rng=0)
    model = assignment.build_model(0)
    W1, b1 = model[0].weight.data, model[0].bias.data
    W2, b2 = model[2].weight.data, model[2].bias.data
    pre = X @ W1 + b1
    hidden = np.maximum(pre, 0)
    p = 1 / (1 + np.exp(-(hidden @ W2 + b2)))
    d_logit = (p - y[:, None]) / len(X)  # mean BCE of a sigmoid
    d_pre = (d_logit @ W2.T) * (pre > 0)

    weights, biases, _, losses = parse(outputs[1])
    np.testing.assert_allclose(weights, X.T @ d_pre, atol=5.1e-5)
    np.testing.assert_allclose(biases, d_pre.sum(axis=0), atol=5.1e-5)
    bce = -np.mean(y[:, None] * np.log(p) + (1 - y[:, None]) * np.log(1 - p))
    assert losses[0] == pytest.approx(bce, abs=5.1e-5)


def test_options_change_the_run_and_bad_values_are_refused(tmp_path):
    out = tmp_path / "nested" / "curve.png"
    _, _, epochs, losses = parse(
        run("--epochs", "2", "--lr", "0.05", "--seed", "3", "--out", str(out))
    )
    assert epochs == [0, 1, 2] and out.exists()
    refused = subprocess.run(
        [sys.executable, str(SCRIPT), "--lr", "-1"], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "--lr must be positive" in refused.stderr


def test_report_sections_are_filled_from_the_run_and_the_rest_is_kept(tmp_path):
    report = tmp_path / "report.md"
    template = (ROOT / "report" / "assignment_1.md").read_text()
    report.write_text(template.replace("(your answer)", "My own discussion."))
    stdout = run("--out", str(tmp_path / "figure.png"), "--report", str(report))
    filled = report.read_text()
    assert "My own discussion." in filled and "(run the command above)" not in filled
    weights, biases, epochs, losses = parse(stdout)
    generated = filled.split("<!-- BEGIN GENERATED: gradients -->")[1]
    assert (
        parse(generated.replace("<!-- END GENERATED: gradients -->", ""))[0].tolist()
        == weights.tolist()
    )
    assert "Epoch 5: Average Loss" in filled.split("<!-- BEGIN GENERATED: training -->")[1]
    run("--out", str(tmp_path / "figure.png"), "--report", str(report))
    assert report.read_text() == filled, "filling twice gives the same report"


def test_a_report_without_the_sections_is_refused(tmp_path):
    report = tmp_path / "report.md"
    report.write_text("# My report\n")
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path / "f.png"), "--report", str(report)],
        capture_output=True,
        text=True,
    )
    assert (
        completed.returncode != 0
        and "has no '<!-- BEGIN GENERATED: gradients -->' section" in completed.stderr
    )
