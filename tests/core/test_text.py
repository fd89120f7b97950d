import pytest

from lms.core.i18n import format_date, format_number, format_typed_number, format_percent
from lms.core.text import fold, name_sort_key, nfc, split_name


@pytest.mark.parametrize("raw,expected", [
    ("Nguyễn Văn A", "nguyen van a"),
    ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
    ("Ðỗ Đức Ðạt", "do duc dat"),  # U+00D0 look-alike
    ("Nguye\u0302\u0303n", "nguyen"),  # decomposed input
])
def test_fold(raw, expected):
    assert fold(raw) == expected


def test_nfc_normalises_decomposed_and_lookalikes():
    assert nfc("  Nguye\u0302\u0303n   Thi\u0323  ") == "Nguyễn Thị"
    assert nfc("Ðông") == "Đông"


def test_split_name():
    assert split_name("Nguyễn Thị Ánh") == ("Nguyễn", "Thị", "Ánh")
    assert split_name("Tôn Nữ Thị Hoài An") == ("Tôn", "Nữ Thị Hoài", "An")
    assert split_name("Lan") == ("", "", "Lan")


def test_names_sort_by_given_name_in_vietnamese_order():
    names = ["Trần Văn Đức", "Nguyễn Thị Ánh", "Lê Văn Dũng", "Phạm Thị An", "Bùi Minh Ân", "Vũ Thị Ăn", "Đỗ Văn Bình"]
    assert sorted(names, key=name_sort_key) == [
        "Phạm Thị An", "Nguyễn Thị Ánh", "Vũ Thị Ăn", "Bùi Minh Ân", "Đỗ Văn Bình", "Lê Văn Dũng", "Trần Văn Đức",
    ]


def test_same_given_name_sorts_by_middle_then_family():
    names = ["Trần Văn An", "Nguyễn Văn An", "Lê Thị An"]
    assert sorted(names, key=name_sort_key) == ["Lê Thị An", "Nguyễn Văn An", "Trần Văn An"]


def test_vietnamese_number_and_date_formats(ctx):
    import datetime as dt

    assert format_number(2701) == "2.701"
    assert format_number(1234567) == "1.234.567"
    # a numeric answer is shown as it is typed: no thousands separator, every decimal
    assert [format_typed_number(v) for v in (1929, 1929.0, 3.14159, 0.5, -2)] == ["1929", "1929", "3,14159", "0,5", "-2"]
    assert format_percent(2660, 2701) == "98,5%"
    assert format_percent(41, 2701) == "1,5%"
    assert format_percent(1, 0) == "–"
    assert format_date(dt.date(2026, 3, 5)) == "05/03/2026"
    # a stored moment (UTC) is dated as in Vietnam: 22:48 UTC on 7 March is 05:48 on 8 March there
    # (the course page said a course completed that morning was completed "07/03/2026")
    assert format_date(dt.datetime(2026, 3, 7, 22, 48, tzinfo=dt.timezone.utc)) == "08/03/2026"
