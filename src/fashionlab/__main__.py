"""``python -m fashionlab``."""

import sys

from .entry import program

sys.exit(program())
