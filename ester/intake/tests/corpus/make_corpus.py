"""Writes the mail corpus of the intake tests: real-world and hostile ``.eml`` files.

Run ``python ester/intake/tests/corpus/make_corpus.py`` to regenerate; the ``.eml``
files are committed, the tests read them (and never run this script). Output is
deterministic. Mails too large to commit (a 50 MB message, a 2 MB line, a zip bomb,
50 levels of nesting) are built by the tests themselves.

Each mail imitates what a real sender produces (Outlook, Gmail, Postfix, Exchange,
qmail …); the hostile ones break one rule at a time. Addresses use the demo city's
domain ``serviceforvaltningen.example`` (ours) and customers' ``kund.example``.
"""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# A small but valid PDF (one empty page).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    )


PNG = png_1x1()


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def crlf(text: str, encoding: str = "ascii") -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(encoding)


# --- TNEF (winmail.dat) --------------------------------------------------------------------


def tnef_attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def mapi_string(kind: int, prop: int, value: bytes) -> bytes:
    padded = value + b"\x00" * (-len(value) % 4)
    return struct.pack("<HHII", kind, prop, 1, len(value)) + padded


def winmail_dat() -> bytes:
    """A minimal valid TNEF stream as Outlook writes it: version, code page, message class,
    a body, and two attachments (one with a Unicode long filename and a MIME tag)."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += tnef_attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += tnef_attribute(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    out += tnef_attribute(1, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")  # attMessageClass
    out += tnef_attribute(1, 0x800C, 0x0002, "Hej! Här kommer avtalet och listan.".encode("cp1252"))  # attBody
    # Attachment 1: 8.3 title, data, and MAPI properties with the long name and MIME type.
    long_name = "Ärende åäö avtal.docx".encode("utf-16-le") + b"\x00\x00"
    mime = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document\x00"
    props = struct.pack("<I", 2) + mapi_string(0x001F, 0x3707, long_name) + mapi_string(0x001E, 0x370E, mime)
    out += tnef_attribute(2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00")
    out += tnef_attribute(2, 0x8010, 0x0001, b"ARENDE~1.DOC\x00")
    out += tnef_attribute(2, 0x800F, 0x0006, b"PK\x03\x04 (not a real docx)")
    out += tnef_attribute(2, 0x9005, 0x0006, props)
    # Attachment 2: only the title.
    out += tnef_attribute(2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00")
    out += tnef_attribute(2, 0x8010, 0x0001, b"lista.txt\x00")
    out += tnef_attribute(2, 0x800F, 0x0006, b"rad 1\r\nrad 2\r\n")
    return out


# --- the corpus ----------------------------------------------------------------------------

HEAD = """\
Received: from mx.kund.example (mx.kund.example [192.0.2.10])
\tby mx.serviceforvaltningen.example with ESMTPS id 4Yb1; Tue, 3 Mar 2026 09:14:02 +0100
Date: Tue, 3 Mar 2026 09:14:00 +0100
To: Ekonomi <ekonomi@serviceforvaltningen.example>
MIME-Version: 1.0
"""


def outlook() -> bytes:
    html = (
        "<html><head><style>p{margin:0}</style></head><body lang=SV>"
        "<p>Hej!</p><p>H&auml;r kommer underlaget f&ouml;r mars.<br>Ring mig om n&aring;got saknas.</p>"
        '<p><img src="cid:image001.png@01DA6D1E.5B2C3E40"></p><p>Med v&auml;nlig h&auml;lsning<br>Anna Berg</p>'
        "</body></html>"
    )
    plain = "Hej!\n\nHär kommer underlaget för mars.\nRing mig om något saknas.\n\nMed vänlig hälsning\nAnna Berg\n"
    qp_plain = plain.replace("ä", "=E4").replace("ö", "=F6").replace("å", "=E5").replace("\n", "\r\n").encode("ascii")
    return (
        crlf(HEAD)
        + crlf(
            "From: Anna Berg <Anna.Berg@kund.example>\n"
            "Subject: =?iso-8859-1?Q?Underlag_f=F6r_mars_=E5=E4=F6?=\n"
            "Thread-Topic: Underlag =?iso-8859-1?Q?f=F6r?= mars\n"
            "Thread-Index: AdptHl4sPkAnnaBergUnderlag==\n"
            "Message-ID: <DB9PR01MB1234ABCD@DB9PR01MB1234.eurprd01.prod.outlook.com>\n"
            "Accept-Language: sv-SE, en-US\n"
            "Content-Language: sv-SE\n"
            "X-MS-Has-Attach: yes\n"
            "X-MS-TNEF-Correlator:\n"
            'Content-Type: multipart/mixed; boundary="_004_DB9PR01MB1234_"\n'
            "\n"
            "--_004_DB9PR01MB1234_\n"
            'Content-Type: multipart/related; boundary="_003_DB9PR01MB1234_"; type="multipart/alternative"\n'
            "\n"
            "--_003_DB9PR01MB1234_\n"
            'Content-Type: multipart/alternative; boundary="_000_DB9PR01MB1234_"\n'
            "\n"
            "--_000_DB9PR01MB1234_\n"
            'Content-Type: text/plain; charset="iso-8859-1"\n'
            "Content-Transfer-Encoding: quoted-printable\n"
            "\n"
        )
        + qp_plain
        + crlf(
            "\n--_000_DB9PR01MB1234_\n"
            'Content-Type: text/html; charset="iso-8859-1"\n'
            "Content-Transfer-Encoding: quoted-printable\n"
            "\n" + html + "\n"
            "--_000_DB9PR01MB1234_--\n"
            "\n"
            "--_003_DB9PR01MB1234_\n"
            'Content-Type: image/png; name="image001.png"\n'
            "Content-Description: image001.png\n"
            'Content-Disposition: inline; filename="image001.png"; size=69\n'
            "Content-ID: <image001.png@01DA6D1E.5B2C3E40>\n"
            "Content-Transfer-Encoding: base64\n"
            "\n"
        )
        + b64(PNG)
        + crlf(
            "\n--_003_DB9PR01MB1234_--\n"
            "\n"
            "--_004_DB9PR01MB1234_\n"
            'Content-Type: application/pdf; name="=?iso-8859-1?Q?Underlag_f=F6r_mars_2026.pdf?="\n'
            "Content-Description: =?iso-8859-1?Q?Underlag_f=F6r_mars_2026.pdf?=\n"
            'Content-Disposition: attachment; filename="=?iso-8859-1?Q?Underlag_f=F6r_mars_2026.pdf?="; size=216\n'
            "Content-Transfer-Encoding: base64\n"
            "\n"
        )
        + b64(PDF)
        + crlf("\n--_004_DB9PR01MB1234_--\n")
    )


def gmail() -> bytes:
    subject = base64.b64encode("Fråga om tjänsteavtal – löner".encode()).decode()
    name = base64.b64encode("Lönelista för april.xlsx".encode()).decode()
    text = base64.b64encode("Hej,\n\nkan ni titta på bifogad lönelista?\n\n/Örjan\n".encode()).decode()
    return crlf(
        "Received: by mail-lj1-f170.google.com with SMTP id 38308e7fff4ca; Tue, 3 Mar 2026 10:02:11 -0800 (PST)\n"
        "MIME-Version: 1.0\n"
        "From: =?UTF-8?B?w5ZyamFuIMOFa2Vzc29u?= <orjan.akesson@gmail.com>\n"
        "Date: Tue, 3 Mar 2026 19:02:01 +0100\n"
        "Message-ID: <CAF4Xr3p=Hq_7yM+ExAmPle@mail.gmail.com>\n"
        f"Subject: =?UTF-8?B?{subject}?=\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        'Content-Type: multipart/mixed; boundary="000000000000a1b2c3d4e5f60708"\n'
        "\n"
        "--000000000000a1b2c3d4e5f60708\n"
        'Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60706"\n'
        "\n"
        "--000000000000a1b2c3d4e5f60706\n"
        'Content-Type: text/plain; charset="UTF-8"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + text + "\n"
        "--000000000000a1b2c3d4e5f60706\n"
        'Content-Type: text/html; charset="UTF-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        '<div dir=3D"ltr">Hej,<div><br></div><div>kan ni titta p=C3=A5 bifogad l=C3=B6nelista?</div>'
        "<div><br></div><div>/=C3=96rjan</div></div>\n"
        "\n"
        "--000000000000a1b2c3d4e5f60706--\n"
        "--000000000000a1b2c3d4e5f60708\n"
        f'Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name="=?UTF-8?B?{name}?="\n'
        f'Content-Disposition: attachment; filename="=?UTF-8?B?{name}?="\n'
        "Content-Transfer-Encoding: base64\n"
        "X-Attachment-Id: f_lt0abc1\n"
        "Content-ID: <f_lt0abc1>\n"
        "\n" + base64.b64encode(b"PK\x03\x04" + b"\x00" * 60).decode() + "\n--000000000000a1b2c3d4e5f60708--\n"
    )


def split_words() -> bytes:
    # "Ärende om åäö" with the two bytes of "ä" (C3 A4) split across two encoded words.
    first = base64.b64encode("Ärende om å".encode() + b"\xc3").decode()
    second = base64.b64encode(b"\xa4" + "ö".encode()).decode()
    return crlf(
        HEAD + "From: =?utf-8?q?Berg=2C_Anna?= <anna.berg@kund.example>\n"
        f"Subject: =?utf-8?B?{first}?=\n =?utf-8?B?{second}?=\n"
        "Message-ID: <split-words@kund.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Kort text.\n"
    )


def rfc2231() -> bytes:
    return crlf(
        HEAD + "From: anna.berg@kund.example\n"
        "Subject: Filnamn enligt RFC 2231\n"
        "Message-ID: <rfc2231@kund.example>\n"
        'Content-Type: multipart/mixed; boundary="b2231"\n'
        "\n"
        "--b2231\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "Se bilagorna.\n"
        "--b2231\n"
        "Content-Type: application/pdf\n"
        "Content-Disposition: attachment; filename*=UTF-8''R%C3%A4kning%20%C3%A5%C3%A4%C3%B6%20mars.pdf\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(PDF).decode() + "--b2231\n"
        "Content-Type: application/pdf\n"
        "Content-Disposition: attachment;\n"
        " filename*0*=iso-8859-1'sv'Kvitto%20f%F6r%20;\n"
        " filename*1*=%E5r%202026.pdf\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(PDF).decode() + "--b2231--\n"
    )


def raw_utf8_headers() -> bytes:
    return crlf(
        HEAD + 'From: "Åsa Öberg" <asa.oberg@kund.example>\n'
        "Subject: Fråga om tjänsteavtal för Växjö\n"
        "Message-ID: <raw-utf8@kund.example>\n"
        "Content-Type: multipart/mixed; boundary=raw8\n"
        "\n"
        "--raw8\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "Hej! Vi undrar över avtalet för Växjö.\n"
        "--raw8\n"
        'Content-Type: application/pdf; name="Avtal Växjö.pdf"\n'
        'Content-Disposition: attachment; filename="Avtal Växjö.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(PDF).decode() + "--raw8--\n",
        "utf-8",
    )


def raw_latin1_headers() -> bytes:
    return crlf(
        HEAD + "From: Åke Ström <ake.strom@kund.example>\n"
        "Subject: Ansökan väntar på beslut\n"
        "Message-ID: <raw-latin1@kund.example>\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "Hälsningar från Åke i Gävle.\n",
        "latin-1",
    )


def unknown_charset() -> bytes:
    return (
        crlf(
            HEAD + "From: anna.berg@kund.example\n"
            "Subject: =?utf-99?Q?Ok=E4nd_teckenkodning?=\n"
            "Message-ID: <unknown-charset@kund.example>\n"
            'Content-Type: text/plain; charset="x-unknown"\n'
            "Content-Transfer-Encoding: 8bit\n"
            "\n"
        )
        + "Texten är skriven i UTF-8: åäö.\r\n".encode()
    )


def wrong_charset() -> bytes:
    return (
        crlf(
            HEAD + "From: anna.berg@kund.example\n"
            "Subject: Fel angiven teckenkodning\n"
            "Message-ID: <wrong-charset@kund.example>\n"
            "Content-Type: multipart/mixed; boundary=wrong\n"
            "\n"
            "--wrong\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n"
        )
        + "Del ett är latin-1: Växjö.\r\n".encode("latin-1")
        + crlf("--wrong\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n")
        + "Del två är UTF-8: Växjö.\r\n".encode()
        + crlf("--wrong--\n")
    )


def missing_boundary() -> bytes:
    return crlf(
        HEAD + "From: anna.berg@kund.example\n"
        "Subject: MIME-gräns saknas\n"
        "Message-ID: <missing-boundary@kund.example>\n"
        "Content-Type: multipart/mixed\n"
        "\n"
        "This is a multi-part message in MIME format.\n"
        "--=_NextPart_000_0001\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Texten finns ändå.\n"
        "--=_NextPart_000_0001\n"
        'Content-Type: application/pdf; name="faktura.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(PDF).decode() + "--=_NextPart_000_0001--\n",
        "utf-8",
    )


def truncated_multipart() -> bytes:
    encoded = b64(PDF * 4).decode()
    return crlf(
        HEAD + "From: anna.berg@kund.example\n"
        "Subject: Avbruten överföring\n"
        "Message-ID: <truncated@kund.example>\n"
        'Content-Type: multipart/mixed; boundary="cut"\n'
        "\n"
        "--cut\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Början av meddelandet.\n"
        "--cut\n"
        'Content-Type: application/pdf; name="stor.pdf"\n'
        'Content-Disposition: attachment; filename="stor.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + encoded[: len(encoded) // 2 + 3],
        "utf-8",
    )


def no_body() -> bytes:
    return crlf(HEAD + "From: anna.berg@kund.example\nSubject: Tomt\nMessage-ID: <no-body@kund.example>\n\n")


def only_headers() -> bytes:
    return crlf("From: anna.berg@kund.example\nSubject: Bara rubriker\nMessage-ID: <only-headers@kund.example>")


def nested_rfc822() -> bytes:
    inner = crlf(
        "From: Bo Ek <bo.ek@leverantor.example>\n"
        "To: anna.berg@kund.example\n"
        "Subject: =?utf-8?q?Offert_f=C3=B6r_st=C3=A4dning?=\n"
        "Date: Mon, 2 Mar 2026 15:00:00 +0100\n"
        "Message-ID: <offert-42@leverantor.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="inner"\n'
        "\n"
        "--inner\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Offerten bifogas.\n"
        "--inner\n"
        'Content-Type: application/pdf; name="offert.pdf"\n'
        'Content-Disposition: attachment; filename="offert.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(PDF).decode() + "--inner--\n"
    )
    return (
        crlf(
            HEAD + "From: anna.berg@kund.example\n"
            "Subject: VB: Offert\n"
            "Message-ID: <nested@kund.example>\n"
            'Content-Type: multipart/mixed; boundary="outer"\n'
            "\n"
            "--outer\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "\n"
            "Vidarebefordrar offerten.\n"
            "--outer\n"
            "Content-Type: message/rfc822\n"
            "Content-Disposition: attachment\n"
            "\n"
        )
        + inner
        + crlf("\n--outer--\n")
    )


def winmail() -> bytes:
    return crlf(
        HEAD + "From: Anna Berg <anna.berg@kund.example>\n"
        "Subject: Avtal (Outlook RTF)\n"
        "Message-ID: <winmail@kund.example>\n"
        "X-MS-Has-Attach: yes\n"
        "X-MS-TNEF-Correlator: <winmail@kund.example>\n"
        'Content-Type: multipart/mixed; boundary="tnef"\n'
        "\n"
        "--tnef\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "Se bifogat.\n"
        "--tnef\n"
        'Content-Type: application/ms-tnef; name="winmail.dat"\n'
        'Content-Disposition: attachment; filename="winmail.dat"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(winmail_dat()).decode() + "--tnef--\n"
    )


def broken_winmail() -> bytes:
    return crlf(
        HEAD + "From: Anna Berg <anna.berg@kund.example>\n"
        "Subject: Trasig winmail.dat\n"
        "Message-ID: <broken-winmail@kund.example>\n"
        'Content-Type: multipart/mixed; boundary="tnef"\n'
        "\n"
        "--tnef\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "Se bifogat.\n"
        "--tnef\n"
        'Content-Type: application/ms-tnef; name="winmail.dat"\n'
        'Content-Disposition: attachment; filename="winmail.dat"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(winmail_dat()[:40] + b"\xff" * 20).decode() + "--tnef--\n"
    )


def dsn_postfix() -> bytes:
    return crlf(
        "Return-Path: <>\n"
        "Date: Tue, 3 Mar 2026 11:00:05 +0100 (CET)\n"
        "From: MAILER-DAEMON@mx.kund.example (Mail Delivery System)\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        "Message-Id: <20260303100005.ABC12@mx.kund.example>\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        '\tboundary="8F1A2C0123.1772532005/mx.kund.example"\n'
        "\n"
        "This is a MIME-encapsulated message.\n"
        "\n"
        "--8F1A2C0123.1772532005/mx.kund.example\n"
        "Content-Description: Notification\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "This is the mail system at host mx.kund.example.\n"
        "\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n"
        "\n"
        "<anna.berg@kund.example>: host mail.kund.example said: 550 5.1.1 User unknown\n"
        "\n"
        "--8F1A2C0123.1772532005/mx.kund.example\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.kund.example\n"
        "X-Postfix-Queue-ID: 8F1A2C0123\n"
        "Arrival-Date: Tue,  3 Mar 2026 11:00:04 +0100 (CET)\n"
        "\n"
        "Final-Recipient: rfc822; anna.berg@kund.example\n"
        "Original-Recipient: rfc822;Anna.Berg@kund.example\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Remote-MTA: dns; mail.kund.example\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <anna.berg@kund.example>: Recipient address\n"
        "    rejected: User unknown in local recipient table\n"
        "\n"
        "--8F1A2C0123.1772532005/mx.kund.example\n"
        "Content-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n"
        "\n"
        "From: Ekonomi <ekonomi@serviceforvaltningen.example>\n"
        "To: anna.berg@kund.example\n"
        "Subject: [EK-2026-000123] Vi har tagit emot ert ärende\n"
        "Message-ID: <kvittens.EK-2026-000123@serviceforvaltningen.example>\n"
        "X-Ester-Mail: kvittens:123\n"
        "\n"
        "--8F1A2C0123.1772532005/mx.kund.example--\n",
        "utf-8",
    )


def exchange_ndr() -> bytes:
    original = crlf(
        "From: Ekonomi <ekonomi@serviceforvaltningen.example>\n"
        "To: anna.berg@kund.example\n"
        "Subject: [EK-2026-000124] Svar om underlag\n"
        "Message-ID: <svar.991@serviceforvaltningen.example>\n"
        "\n"
        "Hej Anna!\n"
    )
    return (
        crlf(
            "From: postmaster@kund.example\n"
            "To: ekonomi@serviceforvaltningen.example\n"
            "Date: Tue, 3 Mar 2026 12:00:00 +0100\n"
            "Subject: Undeliverable: [EK-2026-000124] Svar om underlag\n"
            "Message-ID: <ndr-1@exch01.kund.example>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="ndr"\n'
            "\n"
            "--ndr\n"
            "Content-Type: text/plain; charset=us-ascii\n"
            "\n"
            "Delivery has failed to these recipients or groups:\n"
            "\n"
            "anna.berg@kund.example (anna.berg@kund.example)\n"
            "The e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try again.\n"
            "\n"
            "Diagnostic information for administrators:\n"
            "Generating server: exch01.kund.example\n"
            "anna.berg@kund.example\n"
            "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n"
            "\n"
            "--ndr\n"
            "Content-Type: message/rfc822\n"
            "\n"
        )
        + original
        + crlf("\n--ndr--\n")
    )


def qmail_bounce() -> bytes:
    return crlf(
        "From: MAILER-DAEMON@mail.kund.example\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: 3 Mar 2026 12:30:00 -0000\n"
        "Subject: failure notice\n"
        "Message-ID: <qmail-bounce-1@mail.kund.example>\n"
        "\n"
        "Hi. This is the qmail-send program at mail.kund.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n"
        "\n"
        "<bo.ek@kund.example>:\n"
        "Sorry, no mailbox here by that name. (#5.1.1)\n"
        "\n"
        "--- Below this line is a copy of the message.\n"
        "\n"
        "From: ekonomi@serviceforvaltningen.example\n"
        "Subject: [EK-2026-000125] Kvittens\n"
    )


def dsn_delayed() -> bytes:
    return crlf(
        "From: Mail Delivery System <MAILER-DAEMON@mx.kund.example>\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: Tue, 3 Mar 2026 15:00:00 +0100\n"
        "Subject: Delayed Mail (still being retried)\n"
        "Message-ID: <delayed-1@mx.kund.example>\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="delay"\n'
        "\n"
        "--delay\n"
        "Content-Type: text/plain\n"
        "\n"
        "This is the mail system at host mx.kund.example.\n"
        "Your message could not be delivered for 4.0 hours. It will be retried until it is 5.0 days old.\n"
        "\n"
        "--delay\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.kund.example\n"
        "\n"
        "Final-Recipient: rfc822; anna.berg@kund.example\n"
        "Action: delayed\n"
        "Status: 4.4.7\n"
        "Will-Retry-Until: Sun, 8 Mar 2026 11:00:00 +0100\n"
        "\n"
        "--delay--\n"
    )


def ooo_exchange() -> bytes:
    return crlf(
        HEAD + "From: Anna Berg <anna.berg@kund.example>\n"
        "Subject: =?iso-8859-1?Q?Automatiskt_svar:_Underlag_f=F6r_mars?=\n"
        "Message-ID: <ooo-1@DB9PR01MB1234.eurprd01.prod.outlook.com>\n"
        "In-Reply-To: <kvittens.EK-2026-000123@serviceforvaltningen.example>\n"
        "Auto-Submitted: auto-generated\n"
        "X-Auto-Response-Suppress: All\n"
        "X-MS-Exchange-Inbox-Rules-Loop: anna.berg@kund.example\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Jag =E4r p=E5 semester till och med 20 mars.\n"
    )


def ooo_gmail() -> bytes:
    return crlf(
        "From: Örjan Åkesson <orjan.akesson@gmail.com>\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: Tue, 3 Mar 2026 19:05:00 +0100\n"
        "Subject: Semester\n"
        "Message-ID: <vacation-1@mail.gmail.com>\n"
        "Precedence: bulk\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n"
        "Jag är ledig hela vecka 10.\n",
        "utf-8",
    )


def mailing_list() -> bytes:
    return crlf(
        "From: Ekonomigruppen Kund <ekonomi-alla@kund.example>\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: Tue, 3 Mar 2026 08:00:00 +0100\n"
        "Subject: [ekonomi-alla] Underlag april\n"
        "Message-ID: <list-1@kund.example>\n"
        "List-Id: Ekonomi alla <ekonomi-alla.kund.example>\n"
        "List-Unsubscribe: <mailto:ekonomi-alla+unsubscribe@kund.example>\n"
        "Precedence: list\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n"
        "Underlaget för april kommer på fredag.\n",
        "utf-8",
    )


def own_receipt_back() -> bytes:
    return crlf(
        "Resent-From: anna.berg@kund.example\n"
        "Resent-To: ekonomi@serviceforvaltningen.example\n"
        "From: Ekonomi <noreply-ester@serviceforvaltningen.example>\n"
        "To: anna.berg@kund.example\n"
        "Date: Tue, 3 Mar 2026 09:15:00 +0100\n"
        "Subject: =?utf-8?q?Vi_har_tagit_emot_ert_=C3=A4rende=3A_=5BEK-2026-000123=5D?=\n"
        "Message-ID: <kvittens.EK-2026-000123@serviceforvaltningen.example>\n"
        "Auto-Submitted: auto-replied\n"
        "X-Auto-Response-Suppress: All\n"
        "X-Ester-Mail: kvittens:123\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Hej! Vi har tagit emot ert ärende.\n",
        "utf-8",
    )


def reply_with_case_number() -> bytes:
    return crlf(
        HEAD + "From: Anna Berg <anna.berg@kund.example>\n"
        "Subject: SV: [EK-2026-000123] Vi har tagit emot ert =?utf-8?q?=C3=A4rende?=\n"
        "Message-ID: <reply-1@kund.example>\n"
        "In-Reply-To: <kvittens.EK-2026-000123@serviceforvaltningen.example>\n"
        "References: <case-EK-2026-000123@serviceforvaltningen.example>\n"
        " kvittens.EK-2026-000123@serviceforvaltningen.example\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Här kommer kompletteringen.\n"
        "\n"
        "> Vi har tagit emot ert ärende.\n",
        "utf-8",
    )


def personnummer_subject() -> bytes:
    return crlf(
        HEAD + "From: Anna Berg <anna.berg@kund.example>\n"
        "Subject: Ansökan för 19121212-1212 Tolvan\n"
        "Message-ID: <pnr-1@kund.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Gäller 191212-1212.\n",
        "utf-8",
    )


def malformed_date() -> bytes:
    return crlf(
        "From: anna.berg@kund.example\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: 32 Foo 2026 25:61:00 +9999\n"
        "Subject: Trasigt datum\n"
        "Message-ID: <bad-date@kund.example>\n"
        "\n"
        "Datumet ovan går inte att läsa.\n",
        "utf-8",
    )


def malformed_from() -> bytes:
    return crlf(
        "From: <<>>\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: Tue, 3 Mar 2026 09:14:00 +0100\n"
        "Subject: Avsändare saknas\n"
        "Message-ID: <bad-from@kund.example>\n"
        "\n"
        "Vem skickade detta?\n",
        "utf-8",
    )


def header_injection() -> bytes:
    return crlf(
        "From: =?utf-8?Q?Anna=0D=0ATo:_victim@evil.example?= <anna.berg@kund.example>\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: Tue, 3 Mar 2026 09:14:00 +0100\n"
        "Subject: =?utf-8?Q?Hej=0D=0ABcc:_evil@attacker.example=0D=0A=0D=0A<script>?=\n"
        "Message-ID: <injection@kund.example>\n"
        "X-Custom: =?utf-8?B?" + base64.b64encode(b"a\r\nX-Injected: yes").decode() + "?=\n"
        'Content-Type: multipart/mixed; boundary="inj"\n'
        "\n"
        "--inj\n"
        "Content-Type: text/plain\n"
        "\n"
        "Text.\n"
        "--inj\n"
        "Content-Type: application/octet-stream\n"
        'Content-Disposition: attachment; filename="=?utf-8?Q?..=2F..=2Fetc=2Fpasswd=0D=0A.pdf?="\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(PDF).decode() + "--inj--\n"
    )


def hostile_filenames() -> bytes:
    long_name = "Mycket_" + "långt_" * 60 + "namn.pdf"
    parts = [
        ('Content-Type: application/pdf; name="..\\\\..\\\\Windows\\\\system32\\\\evil.pdf"', PDF),
        ("Content-Type: application/pdf", PDF),  # no name
        ("Content-Type: image/jpeg", b"\xff\xd8\xff\xe0 not a real jpeg"),
        ("Content-Type: text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        (f'Content-Type: application/pdf\nContent-Disposition: attachment; filename="{long_name}"', PDF),
        ('Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="faktura\u202efdp.exe"', b"MZ"),
        ('Content-Type: application/pdf\nContent-Disposition: attachment; filename=".."', PDF),
        ('Content-Type: application/pdf\nContent-Disposition: attachment; filename="CON.pdf"', PDF),
    ]
    body = HEAD + "From: anna.berg@kund.example\nSubject: Filnamn\nMessage-ID: <filenames@kund.example>\n"
    body += 'Content-Type: multipart/mixed; boundary="fn"\n\n--fn\nContent-Type: text/plain\n\nBilagor.\n'
    for header, data in parts:
        body += "--fn\n" + header + "\nContent-Transfer-Encoding: base64\n\n" + b64(data).decode()
    return crlf(body + "--fn--\n", "utf-8")


def nul_bytes() -> bytes:
    return crlf(
        "From: anna.berg@kund.example\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Subject: Noll\x00tecken\n"
        "Message-ID: <nul@kund.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Före\x00\x00efter.\n",
        "utf-8",
    )


def html_only() -> bytes:
    return crlf(
        HEAD + "From: anna.berg@kund.example\n"
        "Subject: Bara HTML\n"
        "Message-ID: <html-only@kund.example>\n"
        "Content-Type: text/html; charset=windows-1252\n"
        "\n"
        "<!DOCTYPE html><html><head><title>Titel syns inte</title>"
        "<script>alert('x')</script><style>body{color:red}</style></head><body>"
        "<h1>Rubrik</h1><p>Första stycket<br>andra raden &amp; mer&nbsp;text.</p>"
        "<ul><li>punkt ett</li><li>punkt två</li></ul>"
        "<table><tr><td>Kund</td><td>Belopp</td></tr><tr><td>X</td><td>100 kr</td></tr></table>"
        "<div>Sista   raden</div></body></html>\n",
        "cp1252",
    )


def scanner_pdf_only() -> bytes:
    return crlf(
        "From: Skanner <scan@kund.example>\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: Tue, 3 Mar 2026 07:00:00 +0100\n"
        "Subject: Skannat dokument\n"
        "Message-ID: <scan-1@kund.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: application/pdf; name="scan_0001.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(PDF).decode()
    )


def read_receipt() -> bytes:
    return crlf(
        "From: Anna Berg <anna.berg@kund.example>\n"
        "To: ekonomi@serviceforvaltningen.example\n"
        "Date: Tue, 3 Mar 2026 09:30:00 +0100\n"
        "Subject: Read: [EK-2026-000123] Vi har tagit emot ert =?utf-8?q?=C3=A4rende?=\n"
        "Message-ID: <mdn-1@kund.example>\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"\n'
        "\n"
        "--mdn\n"
        "Content-Type: text/plain\n"
        "\n"
        "Your message was read.\n"
        "--mdn\n"
        "Content-Type: message/disposition-notification\n"
        "\n"
        "Reporting-UA: Outlook\n"
        "Final-Recipient: rfc822;anna.berg@kund.example\n"
        "Original-Message-ID: <kvittens.EK-2026-000123@serviceforvaltningen.example>\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n"
        "\n"
        "--mdn--\n"
    )


def nested_rfc822_base64() -> bytes:
    inner = crlf(
        "From: bo.ek@leverantor.example\nSubject: Inre meddelande\nMessage-ID: <inner-b64@leverantor.example>\n\nInre text.\n"
    )
    return crlf(
        HEAD + "From: anna.berg@kund.example\n"
        "Subject: VB: base64-kodat meddelande\n"
        "Message-ID: <nested-b64@kund.example>\n"
        'Content-Type: multipart/mixed; boundary="o"\n'
        "\n"
        "--o\n"
        "Content-Type: text/plain\n"
        "\n"
        "Se bifogat.\n"
        "--o\n"
        "Content-Type: message/rfc822\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(inner).decode() + "--o--\n"
    )


def franvaroanmalan() -> bytes:
    return crlf(
        HEAD + "From: Lena Lund <lena.lund@kund.example>\n"
        "Subject: =?utf-8?q?Fr=C3=A5nvaroanm=C3=A4lan_l=C3=B6n?=\n"
        "Message-ID: <franvaro-1@kund.example>\n"
        "X-Auto-Response-Suppress: All\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Bifogar frånvaroanmälan för mars.\n",
        "utf-8",
    )


CORPUS = {
    "outlook_related_inline_pdf.eml": outlook,
    "gmail_alternative_xlsx.eml": gmail,
    "subject_split_utf8_words.eml": split_words,
    "rfc2231_filenames.eml": rfc2231,
    "raw_utf8_headers.eml": raw_utf8_headers,
    "raw_latin1_headers.eml": raw_latin1_headers,
    "unknown_charset.eml": unknown_charset,
    "wrong_charset.eml": wrong_charset,
    "missing_boundary.eml": missing_boundary,
    "truncated_multipart.eml": truncated_multipart,
    "no_body.eml": no_body,
    "empty.eml": lambda: b"",
    "only_headers.eml": only_headers,
    "nested_rfc822.eml": nested_rfc822,
    "nested_rfc822_base64.eml": nested_rfc822_base64,
    "winmail_dat.eml": winmail,
    "winmail_dat_broken.eml": broken_winmail,
    "dsn_postfix_failed.eml": dsn_postfix,
    "dsn_delayed.eml": dsn_delayed,
    "ndr_exchange_text.eml": exchange_ndr,
    "ndr_qmail.eml": qmail_bounce,
    "ooo_exchange.eml": ooo_exchange,
    "ooo_gmail_vacation.eml": ooo_gmail,
    "mailing_list.eml": mailing_list,
    "own_receipt_back.eml": own_receipt_back,
    "reply_with_case_number.eml": reply_with_case_number,
    "personnummer_subject.eml": personnummer_subject,
    "malformed_date.eml": malformed_date,
    "malformed_from.eml": malformed_from,
    "header_injection.eml": header_injection,
    "hostile_filenames.eml": hostile_filenames,
    "nul_bytes.eml": nul_bytes,
    "html_only.eml": html_only,
    "scanner_pdf_only.eml": scanner_pdf_only,
    "read_receipt.eml": read_receipt,
    "franvaroanmalan.eml": franvaroanmalan,
}


def main() -> None:
    for name, build in CORPUS.items():
        (HERE / name).write_bytes(build())
    print(f"{len(CORPUS)} files written to {HERE}")


if __name__ == "__main__":
    main()
