"""The server: the app factory, the one error handler, middleware and security headers.

It composes what the areas declare (routers, pages, country-page sections); it holds no area
code of its own.
"""
