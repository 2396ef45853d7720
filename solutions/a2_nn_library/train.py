"""Task 2.4: training a classifier by mini-batches, and measuring how well it does.

:func:`train_epoch` is the loop at the heart of every training script. It takes the model, the
loss, the optimizer and the batches from its caller, so the same few lines train any network with
any loss and any optimizer. :func:`predict` turns the network's outputs into classes, and
:func:`accuracy` counts how many of them are right.
"""

import numpy as np
from mygrad import Tensor, no_grad


def train_epoch(model, loss_fn, optimizer, loader):
    """One pass over the mini-batches of ``loader``, with one optimizer step per batch.

    Puts ``model`` in training mode first (dropout active). For each batch ``(X, y)`` of plain
    arrays: clear the gradients of the last step, compute ``loss_fn(model(Tensor(X)), y)``, which
    is the batch's mean loss, backpropagate it, and step the optimizer.

    Returns the epoch's mean loss per sample, as a float: each batch's loss weighted by the number
    of samples in it (the last batch may be smaller than the others).
    """
    # TODO Task 2.4 (train_epoch): the training loop over one epoch
    ### BEGIN SOLUTION
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(X)), y)
        loss.backward()
        optimizer.step()
        total += float(loss.data) * len(X)
        count += len(X)
    return total / count
    ### END SOLUTION


def predict(model, X):
    """The class ``model`` gives each row of ``X``: an int64 array of shape ``(n,)``.

    The model's output is a score per class, of shape ``(n, k)``, and the class is the one with the
    largest score; for two classes it may be a single logit, of shape ``(n, 1)``, and the class is
    1 where the logit is positive. The model runs in evaluation mode (dropout off) and without
    recording a graph, and is left in the mode it was in.
    """
    # TODO Task 2.4 (predict): the class of each row, in evaluation mode and without a graph
    ### BEGIN SOLUTION
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            scores = model(Tensor(X)).data
    finally:
        model.train(was_training)
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0).astype(np.int64)
    return scores.argmax(axis=1).astype(np.int64)
    ### END SOLUTION


def accuracy(model, X, y):
    """The fraction of the rows of ``X`` whose predicted class is their label in ``y``."""
    return float(np.mean(predict(model, X) == np.asarray(y)))
