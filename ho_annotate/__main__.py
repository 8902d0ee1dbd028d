"""``python -m ho_annotate`` runs the command line."""

import sys

from ho_annotate.cli import main

sys.exit(main())
