"""The SQLite engine's roaring bitmaps: the same documents as the integer bitmaps they are made from."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pyroaring import BitMap

from indexer.sqlite.bits import bitmap_of, members, roaring_of

# Around the containers' bounds: 2**16 numbers each, an array up to 4,096 members, a bitmap beyond.
_SIZES = st.sampled_from([1, 7, 4096, 65_535, 65_536, 65_537, 140_000])


@given(size=_SIZES, data=st.data())
def test_roaring_of_holds_the_same_numbers(size: int, data: st.DataObject) -> None:
    numbers = sorted(data.draw(st.sets(st.integers(0, size - 1), max_size=200)))
    assert list(roaring_of(bitmap_of(numbers, size), size)) == numbers


def test_roaring_of_dense_and_sparse_containers() -> None:
    size = 3 * 65_536 + 10
    # A full container, one with 4,096 members (an array), one with 4,097 (a bitmap), a last one partly full.
    numbers = [*range(65_536), *range(65_536, 65_536 + 8192, 2), *range(131_072, 131_072 + 4097), 196_610]
    found = roaring_of(bitmap_of(numbers, size), size)
    assert found == BitMap(numbers)
    assert found.intersection_cardinality(BitMap(range(0, size, 3))) == sum(1 for n in numbers if n % 3 == 0)


@given(size=_SIZES, data=st.data())
def test_members_lists_every_number_in_order(size: int, data: st.DataObject) -> None:
    numbers = sorted(data.draw(st.sets(st.integers(0, size - 1), max_size=200)))
    assert members(bitmap_of(numbers, size)) == numbers


def test_members_of_dense_and_sparse_containers() -> None:
    numbers = [*range(65_536), *range(65_536, 65_536 + 8192, 2), *range(131_072, 131_072 + 4097), 196_610]
    assert members(bitmap_of(numbers, 3 * 65_536 + 10)) == numbers
    assert members(0) == []
