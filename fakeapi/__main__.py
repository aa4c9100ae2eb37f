"""``python -m fakeapi`` is the ``fakeapi`` command."""

import sys

from fakeapi.cli import main

sys.exit(main())
