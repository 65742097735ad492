"""Everything that knows about torch. Never imports streamlit, plotly or altair."""
