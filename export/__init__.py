"""Merging adapters, ONNX export, int8 quantization and the PyTorch/ONNX parity check."""
