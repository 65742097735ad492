"""/text: a date or a sentence in, where each output token looked; what-if, the beam tree and the quiz."""
