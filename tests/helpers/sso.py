"""An AWS shared config with an SSO profile whose token cache is missing (never logged in)."""

from __future__ import annotations

from pathlib import Path

#: Profile ``corp`` gets its credentials from the SSO session ``corp``.
SSO_CONFIG = (
    "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\n"
    "sso_role_name = Dev\nregion = eu-west-1\n"
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
    "sso_region = us-east-1\n"
)


def write_sso_config(folder: Path) -> Path:
    """Write the config into ``folder`` and return its path (for AWS_CONFIG_FILE; point
    HOME at a fresh folder too, so that ``~/.aws/sso/cache`` is empty)."""
    config = folder / "aws-config"
    config.write_text(SSO_CONFIG, encoding="utf-8")
    return config
