"""Bundle entry point: the GUI, or the CLI when started as ``s3uploader-gui cli ...``."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "cli":
    from s3uploader_gui.cli import main as cli_main

    raise SystemExit(cli_main(sys.argv[2:]))

from s3uploader_gui.app import main

raise SystemExit(main())
