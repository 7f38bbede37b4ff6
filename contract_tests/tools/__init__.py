"""Command-line tools beside the gate: calibrate, the breaking-change gate, Specmatic, the self-test."""
