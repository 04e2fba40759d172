"""``python -m probes`` runs the aioc CLI."""

from __future__ import annotations

import sys

from probes.cli.main import main

sys.exit(main())
