"""/class: a live round for a whole class. The teacher puts a question on the projector (from /text, /image, or
the built-in date example); every student answers on a phone by a join code or QR code; the reveal shows the
class's guesses beside the model's attention. All of it lives in app/classroom/ (views.py draws it)."""

from app.classroom import views

views.page()
