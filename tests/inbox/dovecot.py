"""A real IMAP server for the tests: Debian's dovecot, run in the foreground with its own
configuration in a temporary folder, listening on a free port of 127.0.0.1.

As root, dovecot drops privileges to its own system users (dovecot, dovenull, created by the
package) and the mail belongs to the `dovecot` user; as any other user, everything runs as
that user.
"""

from __future__ import annotations

import getpass
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PASSWORD = "imap-test-secret"
USERS = [f"desk{n}" for n in range(1, 41)]

CONFIG = """
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{base}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={base}/home/%u
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    def __init__(self, binary: str):
        self.binary = binary
        self.base = Path(tempfile.mkdtemp(prefix="aftersales-dovecot-"))
        self.base.chmod(0o755)  # the unprivileged dovecot processes must reach their files
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def _identities(self) -> dict:
        if os.geteuid() == 0:
            return {
                "internal_user": "dovecot",
                "internal_group": "dovecot",
                "login_user": "dovenull",
                "mail_user": "dovecot",
                "mail_group": "dovecot",
            }
        me, group = getpass.getuser(), grp.getgrgid(os.getegid()).gr_name
        return {"internal_user": me, "internal_group": group, "login_user": me, "mail_user": me, "mail_group": group}

    def start(self) -> Dovecot:
        identities = self._identities()
        for folder in ("mail", "home"):
            (self.base / folder).mkdir()
            if os.geteuid() == 0:
                owner = pwd.getpwnam(identities["mail_user"])
                os.chown(self.base / folder, owner.pw_uid, owner.pw_gid)
        (self.base / "users").write_text("".join(f"{user}:{{PLAIN}}{PASSWORD}\n" for user in USERS))
        (self.base / "dovecot.conf").write_text(CONFIG.format(base=self.base, port=self.port, **identities))
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.base / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()} {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not answer on port {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)
