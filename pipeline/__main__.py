"""`python -m pipeline`: the same CLI as the `policy-themes` script."""

from .cli import main

raise SystemExit(main())
