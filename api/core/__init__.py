"""What every domain package of the API shares: errors, permissions, pagination, limits."""
