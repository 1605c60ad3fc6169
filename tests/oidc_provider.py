"""A real OpenID Connect provider for the sign-on tests: tests/oidc/provider.mjs under Node.

`make install` runs `npm ci` in tests/oidc, which installs the npm package oidc-provider.
The provider listens on 127.0.0.1 only; the tests drive its own login page in Chromium.
"""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "riskreg-test"
CLIENT_SECRET = "riskreg-test-client-secret-0123456789"
ROLE_MAP = {
    "RR-Risk-Officers": "Risk Officer",
    "RR-Chief-Officers": "Chief Officer",
    "RR-PCC-Staff": "PCC Staff",
}
ACCOUNTS = {
    "alice": {
        "name": "Alice Adams",
        "email": "alice@example.police.uk",
        "groups": ["All-Staff", "RR-Risk-Officers"],
    },
    "carol": {
        "name": "Carol Chen",
        "email": "carol@example.police.uk",
        "groups": ["RR-Chief-Officers"],
    },
    "bob": {"name": "Bob Brown", "email": "bob@example.police.uk", "groups": ["All-Staff"]},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Provider:
    def __init__(self, accounts_file: Path, port: int):
        self.accounts_file = accounts_file
        self.issuer = f"http://127.0.0.1:{port}"

    def set_accounts(self, accounts: dict) -> None:
        """Change who exists at the provider; it reads the file at every lookup."""
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(accounts))
        tmp.replace(self.accounts_file)

    def update_account(self, username: str, **changes) -> None:
        accounts = json.loads(self.accounts_file.read_text())
        accounts[username].update(changes)
        self.set_accounts(accounts)


def start_provider(tmp_dir: Path, redirect_uris: list[str]):
    """Start the provider; yields a Provider, or skips when Node or the package is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the sign-on tests run oidc-provider with it")
    if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("oidc-provider is not installed: run `make install` (npm ci in tests/oidc)")
    port = free_port()
    provider = Provider(tmp_dir / "accounts.json", port)
    provider.set_accounts(ACCOUNTS)
    env = {
        **os.environ,
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URIS": ",".join(redirect_uris),
    }
    log = open(tmp_dir / "provider.log", "w")
    process = subprocess.Popen(
        [node, "provider.mjs", str(port), str(provider.accounts_file)],
        cwd=FOLDER,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(
                    f"{provider.issuer}/.well-known/openid-configuration", timeout=2
                ):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    output = (tmp_dir / "provider.log").read_text()
                    raise RuntimeError(f"oidc-provider did not start:\n{output}") from None
                time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def configure(settings, provider: Provider, **extra) -> None:
    """Point riskreg at the provider by its issuer, as a deployment on Entra ID does."""
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_ROLE_MAP = ROLE_MAP
    settings.OIDC_PROVIDER_NAME = "Test Provider"
    for name, value in extra.items():
        setattr(settings, name, value)
