"""Where random numbers come from, so that every run of a seeded script is the same.

Everything random in the package (weight initialisation, dropout masks, data sets, shuffling) takes
an ``rng`` argument: an ``int`` seed, a :class:`numpy.random.Generator`, or ``None`` for the
package's default generator, which :func:`manual_seed` resets (as ``torch.manual_seed`` does).
"""

import numpy as np

_default = np.random.default_rng(0)


def manual_seed(seed):
    """Reset the package's default generator, so that what follows is reproducible."""
    global _default
    _default = np.random.default_rng(seed)


def generator(rng=None):
    """The generator to draw from: ``rng`` itself, a new one seeded with it, or the default."""
    if rng is None:
        return _default
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be an int seed, a numpy.random.Generator or None, not {type(rng).__name__}"
    )
