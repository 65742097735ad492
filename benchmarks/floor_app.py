"""The floor of the browser benchmarks: the least a Streamlit page can do for an input. A bare text box and a
small Plotly chart of what was typed; no model, no cache, no sidebar. `benchmarks/bench_browser.py` times an
input here in the same run as the app's, and reports the app's latency as a multiple of this one.

    streamlit run benchmarks/floor_app.py
"""

import plotly.graph_objects as go
import streamlit as st

typed = st.text_input("Type anything", "september 27, 1994", key="floor_input")
letters = sorted(set(typed.replace(" ", ""))) or ["∅"]
fig = go.Figure(go.Heatmap(z=[[typed.count(c) for c in letters]], x=letters))  # the app's charts are heatmaps
fig.update_layout(height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10})
st.plotly_chart(fig, key="floor_chart")
