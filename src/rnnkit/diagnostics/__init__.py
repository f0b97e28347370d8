"""Diagnostics: the gradient flowing back through time, made visible.

* ``gradient_flow(model, x, y)``: ‖∂L/∂h_t‖ per recurrent layer and step, ‖∂L/∂x_t‖, parameter norms.
* ``effective_memory(model, x)``: how many steps back the output still depends on the input.
* ``GradientMonitor``: a callback that records the flow during ``fit`` and warns, with advice measured
  from the run, when gradients vanish or explode.
* ``plot_gradient_flow`` / ``plot_gradient_heatmap``: PNG figures.
"""

from rnnkit.diagnostics.flow import EffectiveMemory, GradientFlow, effective_memory, gradient_flow
from rnnkit.diagnostics.monitor import GradientMonitor
from rnnkit.diagnostics.plots import plot_gradient_flow, plot_gradient_heatmap
from rnnkit.diagnostics.report import format_report

__all__ = [
    "EffectiveMemory",
    "GradientFlow",
    "GradientMonitor",
    "effective_memory",
    "format_report",
    "gradient_flow",
    "plot_gradient_flow",
    "plot_gradient_heatmap",
]
