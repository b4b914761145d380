"""`python -m cropseries ...` runs the command line."""

from cropseries.cli import main

raise SystemExit(main())
