"""What the bundle reads: massdriver.yaml and its $refs, the examples, and what params may say."""
