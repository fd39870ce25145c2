"""``python -m s3uploader_gui.cli``: the same as the ``s3uploader`` command."""

from s3uploader_gui.cli.main import main

raise SystemExit(main())
