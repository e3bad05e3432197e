"""The AWS constructs, one module per concern."""
