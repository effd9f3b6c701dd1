"""The read-only JSON API under /api/v1/ (Django REST framework, with its
OpenAPI 3 schema from drf-spectacular): see views.py and the README's API
section."""
