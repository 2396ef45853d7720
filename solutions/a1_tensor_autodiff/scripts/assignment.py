"""Assignment 1's report numbers: the initial gradients, a training log and the training curve.

A 2 -> 10 -> ReLU -> 1 -> Sigmoid network classifies 200 two-moons points with binary cross-entropy.
The script prints the gradients of the mean loss with respect to the first layer's weights and
biases at initialisation, then trains with per-sample SGD (one update per point, in a seeded
shuffled order, as the course's training loop does) and prints the average loss of each epoch:
epoch 0 is the loss before training, epoch k the mean of the per-sample losses seen during epoch k.
It saves the training curve and the decision boundary to one figure. Every run with the same
options prints the same numbers.
"""

import argparse
import re
import sys
from pathlib import Path

import numpy as np

# Run from a checkout (or an assignment folder) without installing: the package sits beside scripts/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mygrad import Tensor, nn, no_grad, optim  # noqa: E402
from mygrad.data import DataLoader, make_moons  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FIGURE = ROOT / "report" / "figures" / "assignment_1.png"


def build_model(seed):
    """The network of the assignment, its weights drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Linear(2, 10, rng=rng), nn.ReLU(), nn.Linear(10, 1, rng=rng), nn.Sigmoid()
    )


def dataset_loss(model, X, y):
    """The mean binary cross-entropy of the model over the whole data set."""
    return nn.BCELoss()(model(Tensor(X)), y[:, None].astype(float))


def initial_gradients(model, X, y):
    """Gradients of the mean loss over the whole data set, for the first layer's weights and biases."""
    model.zero_grad()
    dataset_loss(model, X, y).backward()
    first = model[0]
    return first.weight.grad.copy(), first.bias.grad.copy()


def mean_loss(model, X, y):
    with no_grad():
        return dataset_loss(model, X, y).item()


def train(model, X, y, epochs, lr, seed):
    """Per-sample SGD; returns the average loss before training and of each epoch."""
    loss_fn = nn.BCELoss()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    samples = DataLoader(X, y[:, None].astype(float), batch_size=1, shuffle=True, rng=seed)
    losses = [mean_loss(model, X, y)]
    for _ in range(epochs):
        total = 0.0
        for x_i, y_i in samples:
            loss = loss_fn(model(Tensor(x_i)), y_i)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / len(samples))
    return losses


def save_report_figure(model, X, y, losses, path):
    # Imported here, so that the grader can use this module's functions without matplotlib.
    from matplotlib.figure import Figure

    from mygrad.plots import plot_decision_boundary, plot_training_curves, save_figure

    figure = Figure(figsize=(10, 4), layout="constrained")
    curve_axes, boundary_axes = figure.subplots(1, 2)
    plot_training_curves(
        {"training loss": losses}, ax=curve_axes, title="Binary cross-entropy per epoch"
    )

    def predict(points):
        with no_grad():
            return model(Tensor(points)).data[:, 0]

    plot_decision_boundary(
        predict, X, y, ax=boundary_axes, title="Decision boundary after training"
    )
    return save_figure(figure, path)


def fill_report(path, sections):
    """Replace the text between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``
    in the report at ``path`` by each section's text, leaving everything else as the student wrote it."""
    report = Path(path).read_text()
    for name, text in sections.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(\n<!-- END GENERATED: {name} -->)", re.S
        )
        if not pattern.search(report):
            raise ValueError(f"{path} has no '<!-- BEGIN GENERATED: {name} -->' section")
        report = pattern.sub(
            lambda m, text=text: m[1] + "```text\n" + text + "\n```" + m[2], report
        )
    Path(path).write_text(report)


def format_array(array):
    return np.array2string(
        array, precision=4, floatmode="fixed", suppress_small=True, max_line_width=100
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Print the initial gradients, train the assignment's network and save "
        "its training curve.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=5,
        help="number of training epochs (passes over the 200 points)",
    )
    parser.add_argument(
        "--lr", type=float, default=0.01, help="learning rate of the per-sample SGD updates"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the data set, the initial weights and the sample order",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_FIGURE, help="where to save the figure (PNG)"
    )
    parser.add_argument(
        "--report",
        type=Path,
        help="also write the gradients and the training log into this report's generated sections",
    )
    args = parser.parse_args(argv)
    if args.epochs < 0:
        parser.error(f"--epochs must be 0 or more, got {args.epochs}")
    if args.lr <= 0:
        parser.error(f"--lr must be positive, got {args.lr}")
    return args


def main(argv=None):
    args = parse_args(argv)
    X, y = make_moons(200, noise=0.1, rng=args.seed)
    model = build_model(args.seed)

    weight_grad, bias_grad = initial_gradients(model, X, y)
    gradients = "\n".join(
        [
            "Gradients of the first-layer weights:",
            format_array(weight_grad),
            "Gradients of the first-layer biases:",
            format_array(bias_grad),
        ]
    )
    print(gradients)

    losses = train(model, X, y, args.epochs, args.lr, args.seed)
    training = "\n".join(f"Epoch {e}: Average Loss = {loss:.4f}" for e, loss in enumerate(losses))
    print(training)

    path = save_report_figure(model, X, y, losses, args.out)
    print(f"Saved the training curve to {path}")
    if args.report:
        try:
            fill_report(args.report, {"gradients": gradients, "training": training})
        except (OSError, ValueError) as error:
            print(f"cannot fill the report: {error}", file=sys.stderr)
            return 2
        print(f"Filled in the generated sections of {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
