"""Views of the web UI, one module per area. Each stays thin: parse a form, call a
service or a selector, render a template."""
