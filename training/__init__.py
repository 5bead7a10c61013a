"""vidanime training kit: PyTorch generators, discriminators, losses, data, trainer and ONNX export."""
