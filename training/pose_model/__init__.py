"""Progressive-Transformer-style gloss -> pose model: data (numpy), model + training + ONNX export (torch)."""
