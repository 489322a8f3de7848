"""Shared code of the audio GAN notebooks."""
