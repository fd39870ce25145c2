"""The Qt-free core: S3 operations, transfers, naming, sharing, the local server."""
