"""Streamlit-side helpers shared by app.py and pages/: session keys and cached core calls.

Only rendering glue lives here; every number comes from ``core``.
"""
