"""Load tools: the sustained-load soak test and the benchmark against Prism."""
