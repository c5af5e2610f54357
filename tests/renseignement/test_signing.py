"""Signed notes: the PDF of an issued note carries a PAdES signature by the platform's key that
anyone checks offline (``manage.py verify_note``, pyHanko); a changed byte, an unsigned copy or
another key's signature is not authentic."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography import x509
from django.core.management import call_command
from django.core.management.base import CommandError

from geoportal.renseignement import signing
from tests.renseignement.test_pdf import number  # noqa: F401  (the fixture: an issued note)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_pdf(client, number) -> bytes:  # noqa: F811
    response = client.get(f"/renseignement/{number}.pdf")
    assert response.status_code == 200
    return response.content


def test_an_issued_note_is_signed_by_the_platform(signed_pdf):
    verdict = signing.verify_pdf(signed_pdf)
    assert verdict.authentic, verdict.reason
    assert "e-renseignement" in verdict.signer
    assert verdict.signed_at is not None
    # the key is readable by its owner only
    assert stat.S_IMODE(os.stat(signing.key_path()).st_mode) == 0o600
    assert b"/SubFilter /ETSI.CAdES.detached" in signed_pdf  # PAdES


def test_a_changed_byte_or_an_unsigned_copy_is_not_authentic(signed_pdf):
    # one byte of the signed content changed (inside the page's content, before the signature)
    tampered = bytearray(signed_pdf)
    tampered[len(signed_pdf) // 5] ^= 0x01
    assert not signing.verify_pdf(bytes(tampered)).authentic
    assert signing.verify_pdf(bytes(tampered)).reason != ""
    first_end = signed_pdf.index(b"%%EOF")  # the document as rendered, before the signature
    unsigned = signed_pdf[: first_end + len(b"%%EOF")]
    assert signing.verify_pdf(unsigned) == signing.Verdict(False, "the PDF carries no signature")
    assert not signing.verify_pdf(b"not a pdf").authentic


def test_another_key_is_not_this_platform(signed_pdf, settings, tmp_path):
    other = {
        **settings.RENSEIGNEMENT,
        "SIGNING_KEY": str(tmp_path / "other" / "key.pem"),
        "SIGNING_CERT": str(tmp_path / "other" / "cert.pem"),
    }
    mine = settings.RENSEIGNEMENT
    settings.RENSEIGNEMENT = other
    rendered = signed_pdf[: signed_pdf.index(b"%%EOF") + len(b"%%EOF")]  # the note, unsigned
    forged = signing.sign_pdf(rendered, reason="forged", location="elsewhere")
    assert signing.verify_pdf(forged).authentic  # by its own certificate...
    settings.RENSEIGNEMENT = mine
    verdict = signing.verify_pdf(forged)  # ...but not by this platform's
    assert not verdict.authentic and "certificate" in verdict.reason


def test_the_certificate_is_published(client, signed_pdf):
    response = client.get("/renseignement/certificate.pem")
    assert response.status_code == 200
    cert = x509.load_pem_x509_certificate(response.content)
    assert response.content == signing.certificate_path().read_bytes()
    assert "e-renseignement" in cert.subject.rfc4514_string()


def test_verify_note_checks_a_downloaded_pdf_offline(signed_pdf, tmp_path, capsys):
    good = tmp_path / "note.pdf"
    good.write_bytes(signed_pdf)
    call_command("verify_note", str(good))
    assert "authentic" in capsys.readouterr().out
    bad = tmp_path / "changed.pdf"
    changed = bytearray(signed_pdf)
    changed[len(signed_pdf) // 5] ^= 0x01
    bad.write_bytes(bytes(changed))
    with pytest.raises(CommandError, match="1 of 2 files are not authentic"):
        call_command("verify_note", str(good), str(bad))
    assert "NOT AUTHENTIC" in capsys.readouterr().out


def test_a_key_without_its_certificate_is_an_error(settings, tmp_path):
    signing.ensure_credentials()
    signing.certificate_path().unlink()
    with pytest.raises(FileNotFoundError, match="go together"):
        signing.ensure_credentials()
