"""Training: the loop, optimizers, losses, metrics, callbacks and progress. Knows nothing about layers."""
