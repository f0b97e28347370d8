"""Encoder–decoder (unaligned): dates as people write them → ISO dates, with attention."""

import rnnkit
from rnnkit import Translator
from rnnkit.datasets.dates import date_pairs

rnnkit.seed(0)
sources, targets = date_pairs(4300, seed=0)  # e.g. 'the twenty-third of march nineteen ninety-one'
translator = Translator(units=48, attention="additive", target_tokens="char", dropout=0.0, batch_size=32)
translator.fit(sources[:4000], targets[:4000], epochs=5)
scores = translator.evaluate(sources[4000:], targets[4000:], beam_width=1)
print(f"held-out exact match {scores['exact']:.1f} %; {sources[4000]!r} → {translator.translate(sources[4000])[0]}")
