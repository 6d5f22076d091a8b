"""rules app."""
