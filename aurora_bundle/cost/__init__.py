"""What a configuration costs a month: a dated price table for one region and the estimator that reads it."""
