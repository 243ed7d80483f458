"""``python -m fashionlab``."""

import sys

from .cli import main

sys.exit(main())
