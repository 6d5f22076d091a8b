"""The grid network over GraphQL: which grid, community and subdistrict serve an address or point."""
