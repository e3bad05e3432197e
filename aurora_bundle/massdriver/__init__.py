"""The Massdriver seam: input variables, artifacts, and the random/massdriver providers' resources."""
