"""Export trained generators to ONNX for the vidanime runtime."""
