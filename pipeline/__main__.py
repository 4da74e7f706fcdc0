"""`python -m pipeline`: the same CLI as the `policy-themes` script."""

import os
import sys

try:
    from .cli import entry
except KeyboardInterrupt:  # Ctrl-C while still importing: one line, no traceback
    print("interrupted", file=sys.stderr)
    os._exit(130)
entry()
