"""Generative Playground: a visual playground for deep generative models (backend package)."""
