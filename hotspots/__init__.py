"""未诉先办: find areas whose requests of one category rise above their usual level, and act first."""
