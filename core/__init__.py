"""What every hoverdoc stage shares: parsing, the model-input format, summaries, the CLI.

Kept import-light: nothing here imports torch or transformers.
"""
