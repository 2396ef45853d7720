"""autodiff_numpy: a small, exact, readable reverse-mode automatic differentiation engine on NumPy."""
