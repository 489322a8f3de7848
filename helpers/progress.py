"""Progress bars: widgets in a live notebook, plain text when a notebook is executed headless (``make run``).

A widget bar saved into a notebook shows only its first state ("0%") to readers on the web; a text bar saves
its last line with the time it took, and with a long update interval it saves only a few lines."""

import os
from functools import partial

if os.environ.get("AUDIOGAN_PLAIN_PROGRESS"):
    from tqdm.std import tqdm as _text_tqdm

    tqdm = partial(_text_tqdm, mininterval=30, ascii=True)
else:
    from tqdm.auto import tqdm

__all__ = ["tqdm"]
