"""Committed recipes that rebuild hoverdoc's models."""
