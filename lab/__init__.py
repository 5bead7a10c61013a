"""The lab: the release, measurement and reproduction tools behind the bundled styles and the figures
in README.md and docs/. Run from the repository root as ``python -m lab.<group>.<tool> ...``; never
in the wheel (a user runs ``vidanime``). The direction is lab -> training -> vidanime: nothing in
``training`` or ``vidanime`` imports the lab (tests/test_boundaries.py)."""
