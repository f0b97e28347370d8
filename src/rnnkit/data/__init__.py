"""Data: array checks, batching and the tutorial's synthetic data. Knows nothing about models."""
