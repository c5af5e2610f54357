"""Signed notes: each issued PDF is signed as PAdES (pyHanko) with the platform's key, so anyone
holding the PDF can check, with Adobe Reader, ``pyhanko sign validate`` or ``manage.py
verify_note``, that it was issued here and not changed by one byte since.

The key and its certificate are files named by ``RENSEIGNEMENT["SIGNING_KEY"]`` and
``["SIGNING_CERT"]`` (PEM): a city puts its official certificate there. When neither exists, a
self-signed certificate for the platform is made at the first signature, the key written with
mode 600 under ``var/signing/``. The certificate is published at
``/renseignement/certificate.pem``. ``RENSEIGNEMENT["TIMESTAMP_URL"]`` names an RFC 3161
timestamping server whose timestamp is added to each signature; empty, none is asked.

The stored note is signed too: at issuance its ``content_hash`` (SHA-256 of the canonical JSON) is
signed with the same key (``sign_digest``: ECDSA for an EC key, PKCS#1 v1.5 for an RSA key, both
over that SHA-256), and the row keeps the signature and the certificate's SHA-256 fingerprint.
Whoever can write the database can rewrite a note's content and its hash, but not sign them.
The signature is a plain one over the SHA-256 of the canonical JSON, so anyone holding the
certificate can check it with other tools too (``openssl dgst -sha256 -verify``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID
from django.conf import settings

SIGNATURE_FIELD = "NoteSignature"
CERTIFICATE_YEARS = 10


def key_path() -> Path:
    named = settings.RENSEIGNEMENT.get("SIGNING_KEY")
    return Path(named) if named else Path(settings.VAR_DIR) / "signing" / "note-signing.key"


def certificate_path() -> Path:
    named = settings.RENSEIGNEMENT.get("SIGNING_CERT")
    return Path(named) if named else Path(settings.VAR_DIR) / "signing" / "note-signing.pem"


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def ensure_credentials() -> None:
    """Make the platform's self-signed key and certificate unless both exist. Only one of the two
    is an error: a city's certificate without its key cannot sign."""
    key, cert = key_path(), certificate_path()
    if key.exists() and cert.exists():
        return
    if key.exists() or cert.exists():
        missing = cert if key.exists() else key
        raise FileNotFoundError(
            f"the notes' signing key and certificate go together: {missing} is missing"
        )
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"e-renseignement — {settings.GIS['CITY_NAME']}"
            ),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Casa Urban Platform"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_cert_sign=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .sign(private, hashes.SHA256())
    )
    _write_private(
        key,
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert.parent.mkdir(parents=True, exist_ok=True)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def certificate_pem() -> bytes:
    ensure_credentials()
    return certificate_path().read_bytes()


def _certificate() -> x509.Certificate:
    return x509.load_pem_x509_certificate(certificate_pem())


def certificate_fingerprint() -> str:
    """The SHA-256 of the platform's certificate (DER), in hex: stored beside each signature, so
    a note signed before a change of key or certificate is recognised as such."""
    return _certificate().fingerprint(hashes.SHA256()).hex()


def sign_digest(digest: bytes) -> str:
    """The signature (base64) of a SHA-256 ``digest`` with the platform's key."""
    ensure_credentials()
    key = serialization.load_pem_private_key(key_path().read_bytes(), password=None)
    prehashed = Prehashed(hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(digest, ec.ECDSA(prehashed))
    elif isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(digest, padding.PKCS1v15(), prehashed)
    else:
        raise TypeError(f"the notes' signing key must be EC or RSA, not {type(key).__name__}")
    return base64.b64encode(signature).decode("ascii")


def verify_digest(digest: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) signs the SHA-256 ``digest`` under the platform's current
    certificate."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    key = _certificate().public_key()
    prehashed = Prehashed(hashes.SHA256())
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(raw, digest, ec.ECDSA(prehashed))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, digest, padding.PKCS1v15(), prehashed)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _trusted_certificate() -> Any:
    from pyhanko.keys import load_cert_from_pemder

    ensure_credentials()
    return load_cert_from_pemder(str(certificate_path()))


def sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    """``pdf`` signed as PAdES B-B (B-T with a timestamp when a server is configured)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    ensure_credentials()
    signer = signers.SimpleSigner.load(str(key_path()), str(certificate_path()))
    if signer is None:
        raise ValueError(f"cannot read the signing key {key_path()}")
    url = settings.RENSEIGNEMENT.get("TIMESTAMP_URL") or ""
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(
        writer, meta, signer=signer, timestamper=HTTPTimeStamper(url) if url else None
    )
    return out.getvalue()


@dataclass(frozen=True)
class Verdict:
    """What a check of a PDF found: ``authentic`` when it carries a signature by the platform's
    certificate that covers the whole file, unchanged."""

    authentic: bool
    reason: str
    signer: str = ""
    signed_at: dt.datetime | None = None


def verify_pdf(pdf: bytes) -> Verdict:
    """Check ``pdf`` against the platform's certificate, offline."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # not a PDF, or one too damaged to read
        return Verdict(False, f"not a readable PDF ({type(exc).__name__})")
    if not signatures:
        return Verdict(False, "the PDF carries no signature")
    context = ValidationContext(trust_roots=[_trusted_certificate()])
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except (SignatureValidationError, ValueError) as exc:
        return Verdict(False, f"the signature cannot be checked: {exc}")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    if not status.intact or not status.valid:
        return Verdict(False, "the PDF was changed after it was signed", signer)
    if not status.trusted:
        return Verdict(False, "signed, but not with this platform's certificate", signer)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Verdict(
            False, "the signature does not cover the whole file: bytes were added", signer
        )
    return Verdict(True, "signed by this platform and unchanged", signer, status.signer_reported_dt)
