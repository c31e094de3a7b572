"""Operations of a deployment: consistency check, backup and restore, signer rotation,
structured logs and metrics. ``beacon admin`` (beacon/cli/admin.py) is the front end."""
