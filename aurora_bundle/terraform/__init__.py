"""Terraform expressions, the binding modules in use, and synthesis into step directories."""
