"""HTTP edge: FastAPI routers for the merchant API, health, metrics and docs.

`create_app(settings)` in app.py builds everything; no module-level state.
"""
