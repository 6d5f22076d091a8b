"""Open311 GeoReport v2 at ``/open311/v2/``: the civic-issue standard over the same case services as GraphQL."""
