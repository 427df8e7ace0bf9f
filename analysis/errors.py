"""One error type for bad raw input: it always names the file, the row and the field."""


class RawDataError(ValueError):
    """Bad raw input.

    `row` is the 1-based line number of the record in the file as a spreadsheet shows it
    (header = line 1, first data row = line 2); None when the problem is the whole file.
    `field` is the column name; None when the problem is not tied to one column.
    """

    def __init__(self, file, row, field, message):
        self.file, self.row, self.field, self.message = str(file), row, field, message
        where = f"{self.file}"
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


def data_row(index: int) -> int:
    """Spreadsheet line number of the 0-based data row `index` (header is line 1)."""
    return int(index) + 2
