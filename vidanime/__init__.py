"""vidanime: turn videos and photos into anime / cartoon style with GAN generators.

The runtime (this package) needs only PyAV, NumPy, ONNX Runtime, OpenCV, Typer and Rich;
the PyTorch training kit lives in the separate ``training`` package.
"""

__version__ = "0.1.0"
