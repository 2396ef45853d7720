"""Modules: objects that hold parameters and compute a forward pass, as in PyTorch.

A module's parameters are found by walking its attributes: every :class:`Parameter` is one, and
every attribute that is itself a module contributes its own, under a dotted name (``0.weight``).
"""

from collections import OrderedDict

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that a module learns: it requires grad and is listed by ``Module.parameters()``."""

    __slots__ = ()

    def __init__(self, data, dtype=None):
        super().__init__(data, requires_grad=True, dtype=dtype)


class Module:
    """Base class of layers and networks: override ``forward``; call the module to run it."""

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def children(self):
        """The modules held directly as attributes, in the order they were set."""
        return [value for value in vars(self).values() if isinstance(value, Module)]

    def named_parameters(self, prefix=""):
        """``(dotted name, parameter)`` pairs, each parameter once, in definition order."""
        seen = set()
        pairs = []
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                items = [(prefix + name, value)]
            elif isinstance(value, Module):
                items = value.named_parameters(prefix + name + ".")
            else:
                continue
            for full_name, parameter in items:
                if id(parameter) not in seen:
                    seen.add(id(parameter))
                    pairs.append((full_name, parameter))
        return pairs

    def parameters(self):
        """Every parameter of this module and of the modules inside it."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self):
        """Forget the gradients of the last backward (they accumulate otherwise)."""
        for parameter in self.parameters():
            parameter.grad = None

    def train(self, mode=True):
        """Put this module and those inside it in training mode (dropout active); returns self."""
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Put this module and those inside it in evaluation mode; returns self."""
        return self.train(False)

    def state_dict(self):
        """A copy of every parameter's values, by dotted name."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state):
        """Copy values saved by ``state_dict`` into the parameters (in place, keeping their dtype)."""
        parameters = dict(self.named_parameters())
        missing = sorted(set(parameters) - set(state))
        unexpected = sorted(set(state) - set(parameters))
        if missing or unexpected:
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for name, value in state.items():
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.shape != parameters[name].shape:
                raise ValueError(
                    f"load_state_dict: {name} has shape {parameters[name].shape} in the model "
                    f"but {value.shape} in the state"
                )
            parameters[name].data[...] = value

    def extra_repr(self):
        """The arguments shown inside this module's ``repr``."""
        return ""

    def __repr__(self):
        children = [
            (name, value) for name, value in vars(self).items() if isinstance(value, Module)
        ]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        lines.append(")")
        return "\n".join(lines)


class ModuleList(Module):
    """A list of modules whose parameters the enclosing module sees (a plain list would hide them)."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList holds modules, not {type(module).__name__}")
        setattr(self, str(len(self)), module)
        return self

    def __getitem__(self, index):
        return self.children()[index]

    def __len__(self):
        return len(self.children())

    def __iter__(self):
        return iter(self.children())


class Sequential(ModuleList):
    """Modules applied one after the other: ``Sequential(Linear(2, 10), ReLU(), Linear(10, 1))``."""

    def __init__(self, *modules):
        super().__init__(modules)

    def forward(self, x):
        # TODO Task 1.10 (Sequential.forward): the layers: Linear's backward rule, ReLU, Sigmoid and Sequential
        ### BEGIN SOLUTION
        for module in self.children():
            x = module(x)
        return x
        ### END SOLUTION
