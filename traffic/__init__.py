"""Who is calling and how often: rate limits and the client's address, for the API and the pages."""
