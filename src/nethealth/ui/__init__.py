"""What every page and API answer is made of, below the areas: translations (i18n), number
formatting, chart geometry, response models and the error body, OpenAPI parameter declarations,
CSV/JSON responses and the request context. Areas build their pages and routers from these; the
web and api layers render and serve them.
"""
