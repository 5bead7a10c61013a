"""Differentiable image operations used by losses (PyTorch, NCHW, values in [-1, 1])."""
