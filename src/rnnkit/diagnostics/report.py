"""Plain-text report of a gradient flow measurement (what ``rnnkit diagnose`` prints)."""

from __future__ import annotations

from rnnkit.diagnostics.flow import EffectiveMemory, GradientFlow

__all__ = ["verdict", "format_report", "steps_to_fraction"]


def verdict(ratio: float) -> str:
    """Name the ratio ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖: how the gradient changes on its way back through time."""
    if ratio != ratio or ratio > 1e3:  # NaN or a gradient that grows a thousandfold going back
        return "exploding"
    if ratio > 10:
        return "growing"
    if ratio < 1e-3:
        return "vanishing"
    if ratio < 1e-1:
        return "fading"
    return "steady"


def steps_to_fraction(norms: list[float], fraction: float = 0.01) -> int | None:
    """How many steps back from the last one the gradient first drops below ``fraction`` of its last value."""
    last = norms[-1]
    for back, value in enumerate(reversed(norms)):
        if value < fraction * last:
            return back
    return None


def format_report(flow: GradientFlow, memory: EffectiveMemory | None = None, top: int = 5) -> str:
    lines = [f"Gradient flow through time (loss {flow.loss:.4g}, global gradient norm {flow.global_norm:.3g})"]
    header = f"{'layer':<22} {'kind':<10} {'steps':>5} {'|dL/dh_1|':>10} {'|dL/dh_T|':>10} {'ratio':>9}  verdict"
    lines += [header, "-" * len(header)]
    for name, norms in flow.hidden.items():
        ratio = flow.ratio(name)
        lines.append(
            f"{name:<22} {flow.kinds.get(name, ''):<10} {len(norms):>5} {norms[0]:>10.2e} {norms[-1]:>10.2e} "
            f"{ratio:>9.2e}  {verdict(ratio)}"
        )
    if flow.inputs:
        lines.append(f"input steps: |dL/dx_1| = {flow.inputs[0]:.2e}, |dL/dx_T| = {flow.inputs[-1]:.2e}")
    if memory is not None:
        lines.append(
            f"effective memory: {memory.steps} of {len(memory.sensitivity)} steps "
            f"(the output's sensitivity to x_(T-k) stays above {memory.threshold:.0%} of its peak)"
        )
    largest = sorted(flow.parameters.items(), key=lambda kv: -kv[1])[:top]
    lines.append("largest parameter gradients: " + ", ".join(f"{k} {v:.2e}" for k, v in largest))
    return "\n".join(lines)
