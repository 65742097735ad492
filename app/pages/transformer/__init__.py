"""/transformer: self-attention in two encoders — the small date Transformer, and MiniLM, a real pretrained
sentence model — each view in its own module."""
