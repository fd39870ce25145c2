from s3uploader_gui.app import main

raise SystemExit(main())
