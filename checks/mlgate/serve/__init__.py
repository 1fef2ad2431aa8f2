"""The model service every generated project runs (extra `mlgate[serve]`).

Generic serving lives here, not in each project, so a fix reaches every project with a version
bump: the app and its endpoints (app.py), the request contract from models/schema.json
(schema.py), the model and its compiled predict path (model.py, compiled.py), batching, the
request log, Prometheus metrics and the SERVICE_* settings. A project's own serve.py builds the
app with its hooks (pre- and post-processing).
"""

from mlgate.serve.app import create_app, run
from mlgate.serve.settings import Settings, SettingsError

__all__ = ["Settings", "SettingsError", "create_app", "run"]
