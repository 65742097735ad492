"""Pure functions from results to figures (Plotly, Altair) or images (Pillow). No streamlit, no torch."""
