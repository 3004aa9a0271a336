"""Colorizer desktop app (PySide6): thin widgets over model.inference.pipeline."""
