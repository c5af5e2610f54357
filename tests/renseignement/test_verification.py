"""The verification of a stored note: its content hash signed with the platform's key at issuance
(checked here with openssl, not with the platform's code), a row rewritten in the database found
not authentic, the notes issued before signing and under another certificate told apart, each
look at the verification page logged without personal data, the zoning data's version on the
note, and the superseded banner."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import MultiPolygon
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from geoportal.renseignement.hashing import changed_sections
from geoportal.renseignement.models import Note, VerificationScan
from geoportal.renseignement.selectors.dataversion import zoning_data_version
from layers.common.models import LayerVersion
from layers.zoning.models import ZoneRegulation
from tests.factories import (
    ParcelFactory,
    ReservedLandFactory,
    ServitudeFactory,
    line,
    rect,
)
from tests.renseignement.test_views import issue

pytestmark = pytest.mark.django_db
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl")

ZONING_TABLES = (
    "zoning_planningdocument",
    "zoning_zone",
    "zoning_servitude",
    "zoning_reservedland",
    "zoning_zoneregulation",  # not a layer, but versioned too (zoning migration 0006)
)


def zoning_writes() -> int:
    """The zoning layers' write counters added up, read from the table the triggers keep."""
    return sum(
        LayerVersion.objects.filter(table_name__in=ZONING_TABLES).values_list("version", flat=True)
    )


@pytest.fixture
def baseline(db) -> int:
    """The counters before the test writes anything (a reused test database has counted the
    flushes of earlier runs)."""
    return zoning_writes()


@pytest.fixture
def parcel(baseline, split_70_30, arrondissement, document):
    # Seven statements on the zoning data: the document, two regulations and their two zones, a
    # reserved land, a servitude.
    ReservedLandFactory(document=document)
    ServitudeFactory(geom=MultiPolygon(line((-300, 120), (400, 120)).buffer(30)), width_m=60)
    return ParcelFactory(reference="TF 4000/C", geom=rect(0, 0, 100, 100))


def canonical(content: dict) -> bytes:
    """The canonical JSON a note's hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def rewrite_row(note: Note, content: dict, content_hash: str, signature: str | None = None):
    """What someone who can write the database could do: the immutability trigger disabled (as
    the table's owner; a superuser could also ``SET session_replication_role = replica``), the
    row rewritten, the trigger enabled again. All inside the test's transaction."""
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE renseignement_note DISABLE TRIGGER renseignement_note_immutable")
        cur.execute(
            "UPDATE renseignement_note SET content = %s::jsonb, content_hash = %s, "
            "content_signature = %s WHERE id = %s",
            [
                json.dumps(content),
                content_hash,
                note.content_signature if signature is None else signature,
                note.pk,
            ],
        )
        cur.execute("ALTER TABLE renseignement_note ENABLE TRIGGER renseignement_note_immutable")


def page(client, number: str) -> str:
    response = client.get(f"/renseignement/{number}")
    assert response.status_code == 200
    return unescape(response.content.decode())


def write_rsa_credentials(folder) -> tuple[str, str]:
    """A city's own RSA key and certificate (self-signed here), as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ville de test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


@needs_openssl
@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_the_stored_hash_is_signed_and_openssl_agrees(client, parcel, settings, tmp_path, key_type):
    if key_type == "rsa":
        key_file, cert_file = write_rsa_credentials(tmp_path / "city")
        settings.RENSEIGNEMENT = {
            **settings.RENSEIGNEMENT,
            "SIGNING_KEY": key_file,
            "SIGNING_CERT": cert_file,
        }
    number = issue(client, "TF 4000/C")
    note = Note.objects.get(number=number)
    cert_file = settings.RENSEIGNEMENT["SIGNING_CERT"]
    # The row names the certificate by the SHA-256 of its DER form.
    pem = Path(cert_file).read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert note.signing_certificate == hashlib.sha256(der).hexdigest()
    # The hash is the SHA-256 of the canonical JSON, and openssl checks the signature over that
    # JSON with the published certificate's public key.
    body = canonical(note.content)
    assert note.content_hash == hashlib.sha256(body).hexdigest()
    (tmp_path / "content.json").write_bytes(body)
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(note.content_signature))
    published = client.get("/renseignement/certificate.pem").content
    (tmp_path / "published.pem").write_bytes(published)
    pub = subprocess.run(
        ["openssl", "x509", "-pubkey", "-noout", "-in", str(tmp_path / "published.pem")],
        capture_output=True,
        check=True,
    ).stdout
    (tmp_path / "pub.pem").write_bytes(pub)
    verify = [
        "openssl", "dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"),
        "-signature", str(tmp_path / "sig.bin"), str(tmp_path / "content.json"),
    ]  # fmt: skip
    result = subprocess.run(verify, capture_output=True, text=True)
    assert result.returncode == 0 and "Verified OK" in result.stdout
    (tmp_path / "content.json").write_bytes(body.replace(b"70.0", b"90.0", 1))
    assert subprocess.run(verify, capture_output=True).returncode != 0
    # The API gives the hash and its signature: openssl checks one against the other.
    api = client.get(f"/api/renseignement/{number}").json()
    assert api["signing_certificate_sha256"] == note.signing_certificate
    (tmp_path / "hash.bin").write_bytes(bytes.fromhex(api["content_hash"]))
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(api["content_signature"]))
    pkeyutl = [
        "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"),
        "-in", str(tmp_path / "hash.bin"), "-sigfile", str(tmp_path / "sig.bin"),
        "-pkeyopt", "digest:sha256",
    ]  # fmt: skip
    result = subprocess.run(pkeyutl, capture_output=True, text=True)
    assert result.returncode == 0 and "Verified Successfully" in result.stdout, result.stderr
    html = page(client, number)
    assert "Note authentique" in html and "signature de la plateforme" in html


def test_a_row_rewritten_in_the_database_is_not_authentic(client, parcel):
    number = issue(client, "TF 4000/C")
    note = Note.objects.get(number=number)
    # The forger changes the zone shares and recomputes the hash: consistent, but not signed.
    forged = json.loads(json.dumps(note.content))
    forged["zones"][0]["share_pct"] = 100.0
    forged_hash = hashlib.sha256(canonical(forged)).hexdigest()
    rewrite_row(note, forged, forged_hash)
    # The trigger is back: the ORM still cannot update the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.filter(pk=note.pk).update(content={})
    stored = Note.objects.get(pk=note.pk)
    assert stored.content["zones"][0]["share_pct"] == 100.0 and stored.content_hash == forged_hash

    html = page(client, number)
    assert "Note non authentique" in html and "signature de la plateforme" in html
    assert "Note authentique" not in html
    api = client.get(f"/api/renseignement/{number}").json()["verification"]
    assert api["intact"] is True  # the hash matches the forged content...
    assert (api["signature"], api["authentic"], api["outcome"]) == (
        "invalid",
        False,
        "not_authentic",
    )  # ...but the signature is not the platform's for it
    assert list(VerificationScan.objects.values_list("outcome", flat=True)) == ["not_authentic"]


def test_a_wiped_or_borrowed_signature_is_not_authentic(client, parcel, split_70_30):
    first = Note.objects.get(number=issue(client, "TF 4000/C"))
    ParcelFactory(reference="TF 4001/C", geom=rect(200, 0, 50, 50))
    second = Note.objects.get(number=issue(client, "TF 4001/C"))
    # The first note's valid signature copied onto the second: it signs another hash.
    rewrite_row(second, second.content, second.content_hash, signature=first.content_signature)
    verification = client.get(f"/api/renseignement/{second.number}").json()["verification"]
    assert verification["signature"] == "invalid"
    # Its signature wiped, to pass for a note issued before signing: notes were signed already.
    rewrite_row(second, second.content, second.content_hash, signature="")
    html = page(client, second.number)
    assert "Note non authentique" in html and "déjà signées" in html
    assert "délivrée avant la signature" not in html


def test_a_note_issued_before_signing_is_said_so(client, parcel):
    content = {"subject": {"kind": "parcel", "reference": "TF 4000/C"}, "zones": []}
    old = Note.objects.create(
        number="NR-20240101-ABCDEFGH",
        issued_at=timezone.now() - dt.timedelta(days=400),
        subject_kind="parcel",
        parcel_reference="TF 4000/C",
        geom=rect(0, 0, 100, 100),
        content=content,
        content_hash=hashlib.sha256(canonical(content)).hexdigest(),
        rules_hash="0" * 64,
    )
    issue(client, "TF 4000/C")  # a signed note, issued after it
    html = page(client, old.number)
    assert "délivrée avant la signature des notes" in html
    assert "non authentique" not in html
    verification = client.get(f"/api/renseignement/{old.number}").json()["verification"]
    assert (verification["intact"], verification["outcome"]) == (True, "unsigned")
    assert verification["data_version"]["then"] is None
    assert VerificationScan.objects.get().outcome == "unsigned"


def test_a_note_signed_under_a_certificate_no_longer_in_use(client, parcel, settings, tmp_path):
    number = issue(client, "TF 4000/C")
    settings.RENSEIGNEMENT = {
        **settings.RENSEIGNEMENT,
        "SIGNING_KEY": str(tmp_path / "new" / "key.pem"),
        "SIGNING_CERT": str(tmp_path / "new" / "cert.pem"),
    }  # the platform's key changed: a new one is made at first use
    html = page(client, number)
    assert "Note non vérifiable" in html and "n'est plus en usage" in html
    assert "Note authentique" not in html and "Note non authentique" not in html
    assert VerificationScan.objects.get().outcome == "unverifiable"
    # A note issued now is signed under the new certificate.
    ZoneRegulation.objects.filter(code="R+4").update(max_height_m=18.0)
    assert "Note authentique" in page(client, issue(client, "TF 4000/C"))


def test_each_look_is_logged_with_no_personal_data(client, parcel):
    number = issue(client, "TF 4000/C")
    before = timezone.now()
    for _ in range(2):
        client.get(
            f"/renseignement/{number}",
            REMOTE_ADDR="203.0.113.7",
            HTTP_USER_AGENT="QRScanner/1.0",
        )
    # A HEAD (link checkers, previews) is refused and not counted; the JSON API is not a scan.
    assert client.head(f"/renseignement/{number}").status_code == 405
    client.get(f"/api/renseignement/{number}")
    scans = VerificationScan.objects.filter(note__number=number)
    assert scans.count() == 2
    assert all(s.outcome == "authentic" and s.scanned_at >= before for s in scans)
    with connection.cursor() as cur:
        columns = {
            c.name
            for c in connection.introspection.get_table_description(
                cur, VerificationScan._meta.db_table
            )
        }
        cur.execute("SELECT row_to_json(s)::text FROM renseignement_verificationscan AS s")
        rows = " ".join(r[0] for r in cur.fetchall())
    assert columns == {"id", "note_id", "scanned_at", "outcome"}
    assert "203.0.113" not in rows and "QRScanner" not in rows

    # The planners' list shows the count per note.
    planner = User.objects.create_user("planner", password="x")
    planner.user_permissions.add(Permission.objects.get(codename="view_note"))
    client.force_login(planner)
    html = client.get("/renseignement/notes/").content.decode()
    row = html[html.index(number) :].split("</tr>", 1)[0]
    assert '<td class="num">2</td><td class="num">0</td>' in row


def test_the_data_version_is_on_the_note_and_is_not_a_rule(client, baseline, parcel):
    number = issue(client, "TF 4000/C")
    note = Note.objects.get(number=number)
    stamps = LayerVersion.objects.filter(table_name__in=ZONING_TABLES)
    last_write = max(s.changed_at for s in stamps)
    then = baseline + 7
    assert note.content["data_version"]["version"] == then
    assert dt.datetime.fromisoformat(note.content["data_version"]["changed_at"]) == last_write
    day = timezone.localtime(last_write)
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    stamp = f"version {then} du {day.day} {months[day.month - 1]} {day.year}"
    html = page(client, number)
    assert f"Données du plan d'aménagement : {stamp}" in html
    assert 'id="data-version-status"' not in html  # nothing written since

    # A servitude far from this land: the zoning data has a new version, its rules are the same.
    ServitudeFactory(geom=rect(1500, 1500, 20, 20))
    html = page(client, number)
    assert "Note remplacée" not in html
    assert (
        f"version {then} à la délivrance, version {then + 1} aujourd'hui ; "
        "inchangées pour ce terrain"
    ) in html
    other = json.loads(json.dumps(note.content))
    other["data_version"] = {"version": 99, "changed_at": None, "layers": {}}
    assert changed_sections(note.content, other) == []

    # The rules of this land change: the banner says the note is replaced, and what changed.
    ZoneRegulation.objects.filter(code="VE").update(cos=0.5)
    assert zoning_data_version()["version"] == then + 2  # the servitude, then the regulation
    response = client.get(f"/renseignement/{number}")
    html = unescape(response.content.decode())
    banner = html[html.index('id="rules-status"') :].split("</div>", 1)[0]
    assert 'class="notice superseded"' in html and 'role="alert"' in banner
    assert "Note remplacée" in banner and "le zonage et son règlement" in banner
    assert "demandez une nouvelle note" in banner
    assert "?parcel=TF%204000/C" in banner
    assert "inchangées pour ce terrain" not in html


def test_the_disclaimer_says_the_note_creates_no_rights(client, parcel):
    note = Note.objects.get(number=issue(client, "TF 4000/C"))
    assert "à titre d'information" in note.content["disclaimer"]["fr"]
    assert "ne crée aucun droit" in note.content["disclaimer"]["fr"]
    assert "ne crée aucun droit" in page(client, note.number)
    client.cookies["django_language"] = "en"  # a note in English says it in English
    english = Note.objects.get(number=issue(client, "TF 4000/C"))
    assert english.lang == "en"
    assert "creates no rights" in english.content["disclaimer"]["en"]
