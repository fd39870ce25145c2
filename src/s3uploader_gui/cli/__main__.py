"""``python -m s3uploader_gui.cli``: the same as the ``s3uploader`` command."""

from s3uploader_gui.cli.cli_main import exit_now, main

exit_now(main())
