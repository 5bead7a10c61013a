"""One-run checks: the CUDA path on a GPU (gpu) and damaged inputs (fuzz)."""
