"""Mutual TLS for ``weed mini``'s gRPC ports: a private certificate authority per run.

Without it, weed's gRPC ports on 127.0.0.1 (master, volume, filer, S3, admin) take any
client: every local account could list and delete the user's objects with ``weed shell``.
With a ``[grpc]`` section in security.toml, every gRPC server of weed demands a client
certificate signed by the ``[grpc] ca`` and every weed component presents one when it
dials another (SeaweedFS calls this mTLS; the host name is not checked, the chain is).

The CA is made fresh on every start and its private key never leaves this process, so no
one can sign another certificate; the component keys are 0600 files in the 0700 data
folder, which only the user can read. ``cryptography`` is imported here only, when a
local server starts.
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
from pathlib import Path

from s3uploader_gui.core.files import atomic_write
from s3uploader_gui.core.local.info import LOCAL_HOST

#: The folder (in the data folder, recreated on every start) holding this run's PEM files.
TLS_DIR = "grpc-tls"
#: Every ``[grpc.<name>]`` section ``weed mini`` reads: the servers (master, volume, filer,
#: s3, admin) use theirs to serve and to dial; the in-process maintenance worker dials the
#: admin as ``worker``; the S3 gateway (and ``weed shell``) dial as ``client``. A missing
#: section makes that component fall back to plain gRPC, which the others refuse.
COMPONENTS = ("master", "volume", "filer", "s3", "admin", "worker", "client")
#: Long enough for any session of the app: a certificate that expires while weed runs
#: would cut its components off from each other. The CA dies with the run anyway.
_VALID_FOR = datetime.timedelta(days=3650)
#: A clock set back a little (or a VM's that is late) must not make the fresh chain
#: "not yet valid".
_BACKDATE = datetime.timedelta(days=1)


def write_grpc_tls(data_dir: Path) -> str:
    """Make this run's CA and one certificate per component, write them (0600) into
    ``data_dir/grpc-tls`` and return the security.toml text that points weed at them.

    The paths in the text are relative: weed runs with the data folder as its working
    directory (that is how it finds security.toml), and relative paths need no quoting
    for a folder name with quotes, backslashes or non-UTF-8 bytes.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = data_dir / TLS_DIR
    # A fresh folder every run: nothing of an earlier run's keys is left to be mixed in.
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)

    now = datetime.datetime.now(datetime.UTC)
    not_before, not_after = now - _BACKDATE, now + _VALID_FOR

    def name(common_name: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "s3uploader local storage"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("s3uploader per-run CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    atomic_write(folder / "ca.pem", ca_cert.public_bytes(pem), mode=0o600)

    lines = ["[grpc]", f'ca = "{TLS_DIR}/ca.pem"', ""]
    for component in COMPONENTS:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(component))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    # Every component both serves and dials with the same certificate.
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOCAL_HOST))]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        atomic_write(folder / f"{component}.key", key_pem, mode=0o600)
        atomic_write(folder / f"{component}.pem", cert.public_bytes(pem), mode=0o600)
        lines += [
            f"[grpc.{component}]",
            f'cert = "{TLS_DIR}/{component}.pem"',
            f'key = "{TLS_DIR}/{component}.key"',
            "",
        ]
    return "\n".join(lines)
