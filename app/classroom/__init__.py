"""The live class round on /class: a teacher asks, every student answers on a phone, the projector shows the
class's guesses beside the model's attention.

    rounds.py   the pure logic: questions, answers checked and scored, join codes, the class's heatmap
    store.py    the shared state: SQLAlchemy Core (SQLite file by default, PostgreSQL by ATTENTION_LENS_DB)
    views.py    the teacher's and the student's views (Streamlit), and the button other pages add

Nothing here is imported by ``import app.classroom``: store.py and rounds.py never import streamlit.
"""
