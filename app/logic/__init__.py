"""Pure helpers of the app: URL state, what-if edits, quiz rounds, example inputs. No Streamlit, no torch."""
