"""Mining pairs, datasets, LoRA and full fine-tuning, evaluation metrics.

Importing this package is cheap; torch and transformers load only in the modules that train.
"""
