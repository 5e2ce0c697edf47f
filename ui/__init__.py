"""Streamlit user interface (never imports pgmpy)."""
