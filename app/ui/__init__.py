"""Streamlit building blocks shared by the pages: components, links, presenter mode, tabs."""
