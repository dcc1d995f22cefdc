"""Computation for the imbalance diagnosis dashboard. Never imports streamlit."""

__version__ = "0.1.0"
