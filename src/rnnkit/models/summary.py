"""The text table ``Model.summary()`` prints, in Keras 3's layout."""

from __future__ import annotations

from typing import Any

from rnnkit.errors import NotBuiltError

__all__ = ["summary_table"]


def _bytes(n_params: int) -> str:
    size = n_params * 4.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return ""


def _shape(shape: Any) -> str:
    if isinstance(shape, list):
        return ", ".join(_shape(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def summary_table(model: Any) -> str:
    if not model.built:
        raise NotBuiltError(
            "summary() needs the input shape: give the first layer input_shape=(time steps, features), "
            "call model.build((None, T, F)), or fit the model first"
        )
    rows = []
    for layer in model.layers:
        n = sum(p.numel() for p in layer.parameters())
        rows.append(
            (f"{layer.name} ({type(layer).__name__})", _shape(model.output_shapes.get(layer.name, ())), f"{n:,}")
        )
    widths = [max(31, *(len(r[0]) for r in rows)), max(22, *(len(r[1]) for r in rows)), 13]
    headers = ("Layer (type)", "Output Shape", "Param #")

    def line(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row(cells: tuple[str, str, str], sep: str = "│") -> str:
        a, b, c = cells
        return f"{sep} {a:<{widths[0]}} {sep} {b:<{widths[1]}} {sep} {c:>{widths[2]}} {sep}"

    out = [f'Model: "{model.name}"', line("┏", "┳", "┓", "━"), row(headers, "┃"), line("┡", "╇", "┩", "━")]
    for i, r in enumerate(rows):
        out.append(row(r))
        out.append(line("├", "┼", "┤", "─") if i < len(rows) - 1 else line("└", "┴", "┘", "─"))
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    out += [
        f" Total params: {total:,} ({_bytes(total)})",
        f" Trainable params: {trainable:,} ({_bytes(trainable)})",
        f" Non-trainable params: {total - trainable:,} ({_bytes(total - trainable)})",
    ]
    return "\n".join(out)
