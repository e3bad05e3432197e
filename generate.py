#!/usr/bin/env python3
"""Build the bundle: validate massdriver.yaml, schemas/ and examples/, then write kms/ and src/."""

import os
import sys

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aurora_bundle.cli import main

if __name__ == "__main__":
    sys.exit(main())
