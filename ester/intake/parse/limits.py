"""Limits of ``parse_message``: what one mail may cost to read.

Past a limit nothing is refused: the rest is skipped with a Swedish defect, and the
original (kept by the pipeline) still holds everything. Tests lower them with
``monkeypatch.setattr(limits, ...)``; the reader looks them up at each use.
"""

MAX_RAW_BYTES = 50 * 1024 * 1024  # larger: only the headers are read (defect "för stort"); classify quarantines
MAX_DEPTH = 10  # MIME nesting; deeper parts are skipped with a defect
MAX_ATTACHMENTS = 200  # further attachments are skipped with a defect (they stay in the original)
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024  # total decoded attachment bytes, winmail.dat contents included
MAX_FILENAME_CHARS = 150  # longer names are cut, keeping the extension
MAX_HEADER_CHARS = 10_000  # per decoded header value (subject and ParsedMail.headers)
MAX_HEADERS = 500  # distinct header names kept in ParsedMail.headers
MAX_REFERENCES = 100  # newest Message-IDs kept from References
MAX_HTML_CHARS = 5_000_000  # HTML turned into text; the rest is only in ``html``
HEADER_SCAN_BYTES = 1024 * 1024  # where the header block of an oversized mail is looked for
