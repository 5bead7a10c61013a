"""Measurements behind the README and docs/ figures (speed, memory, quality presets, encoders, Ray)."""
