"""The author loop: make watch, publishing with mass, and what .mdignore ships."""
