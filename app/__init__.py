"""Everything that knows about Streamlit: pages, charts, translations and the doors to models/."""

__version__ = "0.1.0"
