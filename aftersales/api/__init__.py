"""REST API v1: a thin entry point over the domain services and the one visibility rule."""
