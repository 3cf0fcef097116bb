"""A chunk's rows are freed as soon as the chunk is done, rejected rows included: the errors
the reader catches keep no frames, so no reference cycle ties the chunk's rows together and
memory stays flat however large the file, with the cycle collector rarely running."""

import gc

import pytest

from tests.uploads.conftest import fixture_path
from uploads.models import Upload
from uploads.parsing import iter_records
from uploads.pipeline import Columns, chunk_read
from uploads.services import upload_create_from_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle_collector_off():
    gc.collect()
    gc.disable()
    yield
    gc.set_debug(0)
    gc.garbage.clear()
    gc.enable()


def cyclic_garbage() -> list[object]:
    """What only the cycle collector could free (it keeps it in gc.garbage to look at)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    return list(gc.garbage)


@pytest.mark.parametrize("name", ["case6_invalid_iys_fields.csv", "attribute_type_errors.csv",
                                  "phone_without_country_code.csv"])
def test_a_read_chunk_with_rejected_rows_leaves_no_rows_behind(name, attributes,
                                                               cycle_collector_off):
    upload = upload_create_from_path(path=fixture_path(name), mode=Upload.Mode.IYS)
    records = list(iter_records(fixture_path(name), encoding=upload.encoding,
                                delimiter=upload.delimiter))[1:]
    read = chunk_read(upload=upload, records=records, columns=Columns.of(upload))
    # The file's bad cells were caught and reported.
    assert read.errors or [row for row in read.rows if row.iys_problems]
    del read, records

    left = cyclic_garbage()

    assert not [item for item in left
                if type(item).__name__ in ("frame", "Row", "traceback", "ValidationError")]
