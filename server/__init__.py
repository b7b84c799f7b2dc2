"""The hoverdoc language server and its lean ONNX runtime (no torch, no transformers)."""
