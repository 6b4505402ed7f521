"""`python scripts/soak`: the soak, run as a folder."""

import sys
from pathlib import Path

# Run as a folder, Python puts this folder itself on the path; its parent makes `soak` a package
# whose modules import each other by relative imports (pip's own __main__.py does the same).
if not __package__:
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from soak.run import main

sys.exit(main())
