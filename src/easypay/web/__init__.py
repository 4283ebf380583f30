"""The web app: server-rendered pages (Jinja2 + htmx), Korean first, English on request."""
