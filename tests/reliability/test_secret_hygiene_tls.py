"""TLS verification is really on: a loopback HTTPS server whose certificate a private CA
signed is refused with one sentence (the token is never sent), and accepted once that CA is
the profile's CA bundle."""
from __future__ import annotations

import datetime
import http.server
import ipaddress
import ssl
import threading

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import NetworkError

from .helpers import one_sentence

TOKEN = "tok-SECRET-1234567890"


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject, issuer, public_key, signing_key, extensions):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1)))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def _school_ca_and_server_cert(folder):
    """A private CA (like a school's TLS-inspecting proxy) and a 127.0.0.1 certificate it signed."""
    ca_key, server_key = _key(), _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SIS Desktop test CA")])
    ca = _cert(ca_name, ca_name, ca_key.public_key(), ca_key, [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                       crl_sign=True, encipher_only=False, decipher_only=False), True),
        (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
    ])
    server = _cert(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name,
                   server_key.public_key(), ca_key, [
        (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
        (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
    ])
    ca_path, cert_path, key_path = folder / "school-ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(server_key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return ca_path, cert_path, key_path


@pytest.fixture
def https_server(tmp_path):
    ca, cert, key = _school_ca_and_server_cert(tmp_path)
    seen: list[str | None] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            seen.append(self.headers.get("Authorization"))
            body = b'{"id": 1, "name": "Me"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}", ca, seen
    finally:
        server.shutdown()
        server.server_close()


def test_an_unverifiable_certificate_is_refused_and_the_token_not_sent(https_server):
    url, _, seen = https_server
    client = CanvasClient(url, TOKEN, 1, max_retries=2, retry_wait=0.01)
    with pytest.raises(NetworkError) as caught:
        client.check_user()
    assert "certificate" in one_sentence(str(caught.value), secret=TOKEN)
    assert seen == []  # the handshake failed before any request went out


@pytest.mark.parametrize("env_bundle", [False, True])
def test_the_profiles_ca_bundle_makes_it_trusted(https_server, monkeypatch, env_bundle):
    """Also when REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE name the system bundle, as on many
    managed machines: requests lets those override `Session.verify` unless the request
    itself passes `verify`."""
    url, ca, seen = https_server
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if env_bundle:
            monkeypatch.setenv(name, certifi.where())
        else:
            monkeypatch.delenv(name, raising=False)
    client = CanvasClient(url, TOKEN, 1, ca_bundle=str(ca))
    assert client.check_user()["id"] == 1
    assert seen == [f"Bearer {TOKEN}"]
