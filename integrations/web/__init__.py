"""The web application: pages of the desk in a browser (docs/web.md)."""
