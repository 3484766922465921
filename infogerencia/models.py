"""Models of the infogerencia app."""
