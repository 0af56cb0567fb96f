"""`python -m intake`: the same command line as the `intake` console script."""

import sys

from intake.commands.cli import main

sys.exit(main())
