"""python -m phiguard"""

import sys

from phiguard.cli import main

sys.exit(main())
