"""One normaliser per source service; each yields resources and listing coverage."""
