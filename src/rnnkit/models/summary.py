"""The text table ``Model.summary()`` prints, in Keras 3's layout."""

from __future__ import annotations

from typing import Any

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
    """Keras 3's summary: a row per layer (name and type, output shape, parameters), and for a functional
    model (one with ``summary_rows``) what each layer is connected to, one link per line. An unbuilt
    model's layers show ``?`` and, until they have weights, ``0 (unbuilt)`` (as Keras 3 prints them)."""
    if model.built and hasattr(model, "summary_rows"):
        rows = [(label, shape, f"{n:,}", links) for label, shape, n, links in model.summary_rows()]
    else:
        rows = []
        known = getattr(model, "output_shapes", {})  # a subclassed model's layers' shapes are not recorded
        for layer in model.layers:
            n = sum(p.numel() for p in layer.parameters())
            shape = _shape(known[layer.name]) if layer.name in known else "?"
            count = f"{n:,}" if n or getattr(layer, "built", True) else "0 (unbuilt)"
            rows.append((f"{layer.name} ({type(layer).__name__})", shape, count, []))
    linked = any(links for *_, links in rows)
    widths = [max(31, *(len(r[0]) for r in rows)), max(22, *(len(r[1]) for r in rows)), 13]
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if linked:
        widths.append(max(17, *(len(link) for *_, links in rows for link in links)))
        headers.append("Connected to")

    def line(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row(cells: list[str], sep: str = "│") -> str:
        aligned = [f"{c:<{w}}" if i != 2 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cells, widths))]
        return sep + sep.join(f" {c} " for c in aligned) + sep

    out = [f'Model: "{model.name}"', line("┏", "┳", "┓", "━"), row(headers, "┃"), line("┡", "╇", "┩", "━")]
    for i, (label, shape, count, links) in enumerate(rows):
        out.append(row([label, shape, count, *(links[:1] if linked else [])]))
        out += [row(["", "", "", link]) for link in links[1:]]
        out.append(line("├", "┼", "┤", "─") if i < len(rows) - 1 else line("└", "┴", "┘", "─"))
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    out += [
        f" Total params: {total:,} ({_bytes(total)})",
        f" Trainable params: {trainable:,} ({_bytes(trainable)})",
        f" Non-trainable params: {total - trainable:,} ({_bytes(total - trainable)})",
    ]
    return "\n".join(out)
