"""Benchmarks of the data pipeline and the GAN step: ``python -m bench.run --help``."""
