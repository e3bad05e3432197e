"""Terraform expressions, the binding modules in use, and synthesis into step directories."""

from pathlib import Path

# ``terraform providers schema -json`` of each provider the steps use, as transcribed (references.py checks
# expressions against them; the offline proof's stand-ins serve them).
PROVIDER_SCHEMAS = Path(__file__).resolve().parent / "provider_schemas"
