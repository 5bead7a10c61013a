"""Data preparation and batch sources for training."""
