"""Progress bars: widgets in a live notebook, plain text when a notebook is executed headless (``make run``).

A widget bar saved into a notebook shows only its first state ("0%") to readers on the web; a text bar saves
its last line, with the time it took."""
import os

if os.environ.get("AUDIOGAN_PLAIN_PROGRESS"):
    from tqdm.std import tqdm
else:
    from tqdm.auto import tqdm

__all__ = ["tqdm"]
