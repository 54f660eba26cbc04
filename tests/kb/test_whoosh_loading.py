"""kb._whoosh: Whoosh reads a mapped segment in place, as it read its copy."""

import io
import mmap
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb._whoosh import _ViewStream
from whoosh.filedb import compound


def _both(data: bytes):
    return io.BytesIO(data), _ViewStream(memoryview(data))


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200),
       steps=st.lists(st.tuples(st.sampled_from(["read", "readline", "seek", "readinto", "tell"]),
                                st.integers(-5, 220), st.sampled_from([0, 1, 2])), max_size=12))
def test_view_stream_reads_as_bytesio_does(data, steps):
    copy, view = _both(data)
    for op, n, whence in steps:
        if op == "seek":
            try:
                expected = copy.seek(n, whence)
            except ValueError:  # a negative position: a damaged offset is an error, never read
                with pytest.raises(ValueError):
                    view.seek(n, whence)
                continue
            assert view.seek(n, whence) == expected
        elif op == "readinto":
            a, b = bytearray(max(n, 0)), bytearray(max(n, 0))
            assert view.readinto(b) == copy.readinto(a) and a == b
        elif op == "tell":
            assert view.tell() == copy.tell()
        else:
            assert getattr(view, op)(n) == getattr(copy, op)(n), op
    assert list(view) == list(copy)


def test_pickles_load_from_the_view():
    items = [{"a": 1, "b": [1.5, "基层"]}, ("x", b"\n\n"), list(range(300))]
    buffer = io.BytesIO()
    for item in items:
        pickle.dump(item, buffer, 2)
    view = _ViewStream(memoryview(buffer.getvalue()))
    assert [pickle.load(view) for _ in items] == items


def test_a_compound_segment_part_is_read_in_place(tmp_path):
    path = tmp_path / "seg"
    path.write_bytes(b"head" + bytes(range(256)) * 40 + b"tail")
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        part = compound.BufferFile(memoryview(mapped)[4:4 + 256 * 40], name="part")
        assert part.get(1, 3) == bytes([1, 2, 3])
        part.seek(254)
        assert part.read(4) == bytes([254, 255, 0, 1]) and part.tell() == 258
        assert part.get_int(0) == int.from_bytes(bytes([0, 1, 2, 3]), "big")
        assert not isinstance(part.file, io.BytesIO)  # no copy of the part
        part.close()
