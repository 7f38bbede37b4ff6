"""The dataset: the embedded fixtures, their loading and checking, and the store the workers share."""
