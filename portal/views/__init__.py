"""Views of the resident pages; each reads input, calls one service function and renders."""
