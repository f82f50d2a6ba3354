"""Pages compressed as soon as they are finished, and footers written into a stream of their own.

fpdf2 holds every page's content uncompressed until ``output()`` (a month of 50,000 incidents: 4,461
pages, ~82 MiB), then compresses them all at once beside the protocol's data. Here a page is deflated
when the next one starts, so only one page is ever held in the clear. That is safe only where nothing
is written into a finished page later: fpdf2's page-total alias is replaced in the page's text at
output, so a sealing document draws its "page n/total" footers itself at the end (pdf.py's
``write_footers``), each page's footer going into a second content stream of that page (a page's
/Contents may be an array of streams, drawn as if joined: PDF 32000-1:2008, 7.7.3.3, Table 30).
"""

from __future__ import annotations

import zlib

from fpdf import FPDF
from fpdf.encryption import StandardSecurityHandler
from fpdf.output import OutputProducer, PDFPage
from fpdf.syntax import Name, PDFArray, PDFContentStream

# zlib level 1, not fpdf2's default 6: the 82 MiB of a 4,483-page protocol's page content compress in
# 0.41 s instead of 1.43 s, to 13.1 MB instead of 11.1 MB
LEVEL = 1


class SealedPages:
    """The finished pages' compressed content, and the footer text of each page, until output."""

    def __init__(self, doc: FPDF) -> None:
        self.doc = doc
        self.sealed: dict[int, bytes] = {}
        self.footers: dict[int, str] = {}

    def seal_up_to(self, last: int) -> None:
        """Compress pages up to ``last`` (1-based) that are not compressed yet."""
        for n in range(len(self.sealed) + 1, last + 1):
            page = self.doc.pages[n]
            assert isinstance(page.contents, bytearray) and not page.get_text_substitutions(), \
                "a page with the page-total alias cannot be sealed"
            self.sealed[n] = zlib.compress(page.contents, LEVEL)
            page.contents = bytearray()  # what fpdf2 appends to: a late write shows up in output() as an error

    def footer(self, page: int, operators: str) -> None:
        self.footers[page] = operators


class _Stream(PDFContentStream):
    """A content stream whose dictionary is written straight: fpdf2 finds an object's keys with dir()
    (~90 µs an object), and a 3,000-page protocol has two streams a page."""

    def __init__(self, content: bytes, compressed: bool) -> None:
        super().__init__(contents=b"", compress=False)
        self._contents = content
        self.filter = Name("FlateDecode") if compressed else None
        self.length = len(content)

    def _build_obj_dict(self, security_handler: StandardSecurityHandler | None = None) -> dict[str, object]:
        if security_handler is not None:  # encrypted: fpdf2's own way
            return super()._build_obj_dict(security_handler)
        if self.filter is None:
            return {"/Length": self.length}
        return {"/Filter": "/FlateDecode", "/Length": self.length}  # as fpdf2 writes them, keys sorted


class SealedOutput(OutputProducer):
    """fpdf2's output, with each sealed page's content as its compressed stream plus its footer stream."""

    def _add_pages(self, _slice: slice = slice(0, None)) -> list[PDFPage]:
        sealing = getattr(self.fpdf, "sealing", None)
        assert isinstance(sealing, SealedPages), "SealedOutput is for a document with SealedPages"
        sealing.seal_up_to(self.fpdf.pages_count)
        for n, page in self.fpdf.pages.items():
            if page.contents:
                raise RuntimeError(f"page {n} was written to after it was sealed")
        pages = super()._add_pages(_slice)  # the sealed pages' empty contents become empty streams
        for page in pages:
            n = page.index()
            empty = page.contents
            assert isinstance(empty, PDFContentStream) and self.pdf_objs[empty.id] is empty
            body = _Stream(sealing.sealed.pop(n), compressed=True)
            body.id = empty.id
            self.pdf_objs[empty.id] = page.contents = body  # in its place among the objects
            footer = sealing.footers.pop(n, None)
            if footer is not None:
                stream = _Stream(footer.encode("latin-1"), compressed=False)
                self._add_pdf_obj(stream, "pages")
                # fpdf2 types a page's contents as one stream, but serializes any PDFArray of objects as
                # their references: /Contents [body footer]
                page.contents = PDFArray([body, stream])  # type: ignore[assignment]
        return pages
