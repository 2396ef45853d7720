"""One graded case: a probe on inputs the grader chose, and how its answer is judged.

The grader runs each case's probe twice: on the reference, here, for the expected answer, and on
the submission, in the child, for the answer to judge. :func:`judge` compares the two and returns
what is wrong, in sentences a student can act on (empty when the answer is right).
"""

from dataclasses import dataclass, field

import numpy as np

import autodiff_numpy

from . import probes
from .checks import compare, numerical_gradients, sum_to_shape, summed_back


@dataclass
class Case:
    label: str  # what is checked, as the feedback names it: "mul, (4, 1, 3) * (5, 1)"
    probe: str  # a function of probes.py
    arrays: dict  # its input arrays
    params: dict = field(default_factory=dict)
    names: tuple = ()  # for a rule: the inputs' names in the messages
    mistakes: dict = field(default_factory=dict)  # likely cause -> what a rule gives input 0 then
    rule: bool = False  # whether the probe checks a backward rule (gradients, and the result)
    reference: dict = field(default_factory=dict)  # params that differ for the reference's run
    check: object = None  # judges the answer by its properties instead: (case, got) -> problems

    def request(self):
        return {"name": self.probe, "params": self.params}

    def expected(self):
        params = {**self.params, **self.reference}
        return getattr(probes, self.probe)(autodiff_numpy, self.arrays, **params)


def rule_case(
    label,
    op,
    inputs,
    rng,
    params=None,
    constants=(),
    names=("a", "b", "c"),
    mistakes=None,
    probe="rule",
):
    """A case that checks ``op``'s backward rule on ``inputs``, with a random upstream gradient."""
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    arrays = {f"input{i}": x for i, x in enumerate(inputs)}
    arrays.update({f"constant{i}": np.asarray(c) for i, c in enumerate(constants)})
    shape = _reference_output(op, inputs, constants, params or {}).shape
    arrays["upstream"] = rng.standard_normal(shape)
    return Case(
        label,
        probe,
        arrays,
        {"op": op, "n_inputs": len(inputs), "params": params or {}},
        names=tuple(names[: len(inputs)]),
        mistakes=mistakes(inputs, arrays["upstream"]) if mistakes else {},
        rule=True,
    )


def _reference_output(op, inputs, constants, params):
    tensors = [autodiff_numpy.Tensor(x) for x in inputs]
    return probes.OPS[op](autodiff_numpy, *tensors, *constants, **probes._tuples(params)).data


def judge(case, expected, reply, got):
    """What is wrong with the submission's answer ``got`` to ``case`` (a list of sentences)."""
    if reply.get("ok") is not True:  # the child wrote the reply: trust nothing of its form
        return [f"{case.label}: {reply.get('error', 'an answer of the wrong form came back')}"]
    none = reply.get("none")
    for name in none if isinstance(none, list) else []:
        got[str(name)] = None
    if case.check is not None:
        return [f"{case.label}: {problem}" for problem in case.check(case, got)]
    if case.rule:
        return _judge_rule(case, expected, got)
    problems = []
    for name, value in expected.items():
        if name not in got:
            problems.append(f"{case.label}: no {name} came back")
            continue
        message = compare(f"{case.label}: {name}", value, got[name])
        if message and not problems:
            message += _likely_mistake(case.mistakes, got[name])
        if message:
            problems.append(message)
    return problems


def _judge_rule(case, expected, got):
    problems = []
    result = compare(f"{case.label}: the result", expected["value"], got.get("value"))
    if result:
        problems.append(result)
    for i, name in enumerate(case.names):
        shape = case.arrays[f"input{i}"].shape
        want = sum_to_shape(expected[f"grad{i}"], shape)
        mine = summed_back(got.get(f"grad{i}"), shape)
        doubled = summed_back(got.get(f"doubled{i}"), shape)
        message = compare(f"{case.label}: the gradient with respect to {name}", want, mine, doubled)
        if message and i == 0:
            message += _likely_mistake(case.mistakes, mine)
        if message:
            problems.append(message)
    return problems


def _likely_mistake(mistakes, got):
    for cause, wrong in mistakes.items():
        if (
            got is not None
            and np.shape(got) == np.shape(wrong)
            and np.allclose(got, wrong, rtol=1e-6, atol=1e-9)
        ):
            return f"; likely cause: {cause}"
    return ""


def finite_difference_agreement(case, expected):
    """Whether the reference's gradients for a rule case equal float64 centred differences of its
    forward: the grader's own check that it judges against the right answer."""
    inputs = [case.arrays[f"input{i}"] for i in range(case.params["n_inputs"])]
    constants = [case.arrays[k] for k in sorted(case.arrays) if k.startswith("constant")]

    def forward(*xs):
        return _reference_output(case.params["op"], xs, constants, case.params["params"])

    numeric = numerical_gradients(forward, inputs, case.arrays["upstream"])
    return all(
        np.allclose(sum_to_shape(expected[f"grad{i}"], x.shape), n, rtol=1e-5, atol=1e-7)
        for i, (x, n) in enumerate(zip(inputs, numeric, strict=True))
    )
