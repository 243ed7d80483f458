"""``python -m fashionlab.cli``, as it ran before the command line became a package
(``python -m fashionlab`` and the ``fashionlab`` script are the documented forms)."""

import sys

from . import program

sys.exit(program())
