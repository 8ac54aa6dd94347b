"""Writes to accounts, one module per concern; each takes plain values and raises errors.AccountError."""
