"""Command-line interface: a thin typer layer over library functions.

Each sub-command lives in its own module and only parses arguments and calls the library.

torch's C++ layer prints its own notices straight to stderr (with the int8 network, a
deprecation notice of its quantisation API at every run), which a survey team cannot act
on. The console script keeps torch's C++ log to errors unless ``TORCH_CPP_LOG_LEVEL`` is
set; it is read when torch loads, so it is set here, before any command imports torch.
"""

import os

os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")
