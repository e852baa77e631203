"""Excel export with openpyxl: one call builds a styled workbook response."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    #: number formats per column index, e.g. {3: '#,##0.00 "kr"'}
    formats: dict[int, str] = field(default_factory=dict)
    heading: str = ""


def _cell(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, decimal.Decimal):
        return value
    if value is None or isinstance(value, (int, float, str, datetime.date)):
        return value
    return str(value)


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    header_fill = PatternFill("solid", fgColor="00437A")
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        first_row = 1
        if sheet.heading:
            ws.cell(row=1, column=1, value=sheet.heading).font = Font(bold=True, size=13)
            first_row = 3
        for col, header in enumerate(sheet.headers, 1):
            cell = ws.cell(row=first_row, column=col, value=str(header))
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        widths = [len(str(h)) for h in sheet.headers]
        row_number = first_row
        for row_number, row in enumerate(sheet.rows, first_row + 1):
            for col, value in enumerate(row, 1):
                cell = ws.cell(row=row_number, column=col, value=_cell(value))
                if col - 1 in sheet.formats:
                    cell.number_format = sheet.formats[col - 1]
                elif isinstance(value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
                if col - 1 < len(widths):
                    widths[col - 1] = max(widths[col - 1], min(60, len(str(value if value is not None else ""))))
        for col, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(col)].width = width + 2
        ws.freeze_panes = ws.cell(row=first_row + 1, column=1)
        if row_number > first_row:
            ws.auto_filter.ref = f"A{first_row}:{get_column_letter(len(sheet.headers))}{row_number}"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def excel_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


MONEY_FORMAT = '#,##0.00 "kr"'
