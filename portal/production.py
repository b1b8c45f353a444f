"""What the settings need from the machine before Django starts (issue #12,
docs/hosting.md): the secret key, kept in a file outside the repository, and
the names a server listening on every address answers to.

Nothing here reads Django's settings: portal/settings.py calls it.
"""

import contextlib
import os
import secrets
import socket
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# The alphabet and length of Django's own generated keys
# (django.core.management.utils.get_random_secret_key): 50 characters, about
# 290 bits, none of them whitespace, so keys can be listed space-separated.
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"
KEY_LENGTH = 50
# A server bound to one of these listens on every address of the machine.
ANY_ADDRESS = {"0.0.0.0", "::", "[::]"}


def new_secret_key() -> str:
    return "".join(secrets.choice(KEY_CHARS) for _ in range(KEY_LENGTH))


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < KEY_LENGTH or len(set(key)) < 5:
        raise ImproperlyConfigured(
            f"The secret key file {path} holds no usable key (at least {KEY_LENGTH} characters): "
            "delete it to have a new one made on the next start, or set DJANGO_SECRET_KEY."
        )
    return key


def secret_key_from_file(path: Path) -> str:
    """The key in ``path``; on the first run, a new random key written there.

    The file is written whole under a temporary name (mode 0600) and then
    hard-linked to ``path``, which fails if the name exists: of several
    workers starting at once exactly one key wins, and every worker reads
    that one."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ImproperlyConfigured(
            f"The secret key file {path} can't be read ({exc.strerror}): set DJANGO_SECRET_KEY, "
            "or VNETLAB_SECRET_KEY_FILE to a file this user can read."
        ) from exc
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"The secret key file {path} can't be made ({exc.strerror}): set DJANGO_SECRET_KEY, "
            "or VNETLAB_SECRET_KEY_FILE to a path this user can write."
        ) from exc
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(new_secret_key() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another worker made it first: its key is the key
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _primary_addresses() -> set[str]:
    """The addresses this machine would use to reach a LAN and the internet
    (a UDP socket's local end after connect: nothing is sent)."""
    found = set()
    for family, target in ((socket.AF_INET, ("192.0.2.1", 9)), (socket.AF_INET6, ("2001:db8::1", 9))):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                probe.connect(target)
                found.add(probe.getsockname()[0])
        except OSError:
            continue
    return found


def machine_hosts() -> list[str]:
    """The host names and addresses browsers on a LAN may use for this
    machine: its name (and name.local), its fully qualified name, the
    addresses its name resolves to and its primary addresses."""
    names = {socket.gethostname(), socket.getfqdn()}
    addresses = _primary_addresses()
    for name in list(names):
        try:
            addresses |= {info[4][0] for info in socket.getaddrinfo(name, None)}
        except OSError:
            continue
    names |= {f"{name}.local" for name in names if name and "." not in name and name != "localhost"}
    hosts = {name.lower() for name in names if name}
    hosts |= {f"[{a}]" if ":" in a else a for a in addresses if not a.startswith("fe80")}
    return sorted(hosts)


def hosts_for(listen: str) -> list[str]:
    """Extra ALLOWED_HOSTS for a server listening on ``listen`` (the
    Makefile's HOST): every name and address of the machine for a server on
    every address, the one address otherwise."""
    if listen.strip() in ANY_ADDRESS:
        return machine_hosts()
    listen = listen.strip()
    return [f"[{listen}]" if ":" in listen and not listen.startswith("[") else listen]


def announce(listen: str, port: str) -> str:
    """What `make run` prints: the addresses to give the class."""
    if listen.strip() not in ANY_ADDRESS:
        return f"VNet Lab on http://{hosts_for(listen)[0]}:{port}/"
    lan = sorted(a for a in _primary_addresses() if ":" not in a)
    urls = [f"http://{host}:{port}/" for host in [*lan, f"{socket.gethostname()}.local"]]
    return f"VNet Lab on every address of this machine: {', '.join(urls)} (and http://127.0.0.1:{port}/ here)"


if __name__ == "__main__":  # python -m portal.production HOST PORT
    import sys

    print(announce(sys.argv[1], sys.argv[2]))
