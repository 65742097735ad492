"""/math: one module per tab (worked, real_model, scaling); page.py is the st.Page script that draws the tabs."""
