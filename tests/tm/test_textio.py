"""Reading text files: every supported encoding from a file the test writes, and every refusal."""

from __future__ import annotations

import codecs
import doctest
import io
import sys
from pathlib import Path

import pytest
import taiyaku.tm.textio as textio_module
from hypothesis import example, given, settings
from hypothesis import strategies as st
from taiyaku.core.errors import InputError
from taiyaku.tm.textio import decode_bytes, read_text

TEXT = (
    "米中が輸出規制で一年休戦\n"
    "中国は2025年4月、7種類のレアアースを輸出規制の対象に加えた。\n"
    "「一般輸出許可」とは何か。IMFの見通しは3.1%だ。\n"
)

ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 with BOM": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16 LE with BOM": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16 BE with BOM": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-32 LE with BOM": lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"),
    "shift_jis": lambda t: t.encode("shift_jis"),
    "cp932": lambda t: t.encode("cp932"),
    "euc-jp": lambda t: t.encode("euc_jp"),
}
NEWLINES = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}


@pytest.mark.parametrize("newline", NEWLINES.values(), ids=list(NEWLINES))
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_reads_encoding_and_normalises_newlines(
    tmp_path: Path, encoding: str, newline: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(ENCODINGS[encoding](TEXT.replace("\n", newline)))
    assert read_text(path) == TEXT


def test_cp932_only_characters(tmp_path: Path) -> None:
    # ① and ～ exist in CP932 (Windows) but not in strict Shift_JIS.
    text = "①輸出規制～レアアース\n"
    path = tmp_path / "win.txt"
    path.write_bytes(text.encode("cp932"))
    assert read_text(path) == text


def test_kanji_and_katakana_only_list_in_euc_jp(tmp_path: Path) -> None:
    # No hiragana at all: the codec choice must still be right.
    text = "輸出規制\n一般輸出許可\nレアアース\n台湾有事\n"
    for enc in ("euc_jp", "cp932"):
        path = tmp_path / f"terms.{enc}.txt"
        path.write_bytes(text.encode(enc))
        assert read_text(path) == text


def test_stored_text_keeps_the_original(tmp_path: Path) -> None:
    text = "ＡＩ　投資 “quoted” ｶﾀｶﾅ\n"
    path = tmp_path / "raw.txt"
    path.write_text(text, encoding="utf-8")
    assert read_text(path) == text


BAD_INPUTS = {
    "empty": (b"", "empty"),
    "whitespace only": (b" \n\r\n\t ", "empty"),
    "BOM only": (codecs.BOM_UTF8, "empty"),
    "PNG": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
    "zip": (b"PK\x03\x04" + b"\x00" * 40, "zip"),
    "PDF": (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
    "NUL bytes": (b"abc\x00def\x00" * 10, "NUL"),
    "UTF-16 without BOM": ("輸出規制\nレアアース\n".encode("utf-16-le"), "UTF-16"),
    "Latin-1": ("café résumé naïve".encode("latin-1"), "tried UTF-8"),
    "random high bytes": (bytes(range(128, 256)) * 4, "tried UTF-8"),
    "damaged UTF-8": ("日本語の文章です。".encode() * 20 + b"\xff" + "あ".encode(), "UTF-8"),
    "control characters": (b"text" + b"\x01\x02\x03\x04\x05\x06\x07\x0e" * 8, "binary"),
    "invalid UTF-16 after BOM": (codecs.BOM_UTF16_LE + b"\x00\xd8\x41", "UTF-16"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_names_file_and_problem(tmp_path: Path, case: str) -> None:
    data, expected = BAD_INPUTS[case]
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_text(path)
    message = str(info.value)
    assert message.startswith(str(path) + ":")
    assert expected in message
    assert "\n" not in message


def test_mixed_encodings_are_refused(tmp_path: Path) -> None:
    # A Shift_JIS article with one pasted UTF-8 title would otherwise decode as mojibake.
    path = tmp_path / "mixed.txt"
    path.write_bytes(TEXT.encode("cp932") + "一年休戦の行方\n".encode() + TEXT.encode("cp932"))
    with pytest.raises(InputError, match="mixed encodings: line 4 is UTF-8"):
        read_text(path)


def test_undecodable_says_what_was_tried(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Grüße aus München, ça va?".encode("cp1252"))
    with pytest.raises(InputError, match=r"tried UTF-8, UTF-16/32 \(BOM\), Shift_JIS/CP932"):
        read_text(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        read_text(tmp_path / "nope.txt")
    assert "nope.txt" in str(info.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)


def test_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("秘密", encoding="utf-8")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    # chmod 000 does not stop root, so the refusal is simulated at the read call.
    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(InputError, match="secret.txt: permission denied"):
        read_text(path)


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textio_module, "MAX_TEXT_BYTES", 100)
    path = tmp_path / "big.txt"
    path.write_text("あ" * 100, encoding="utf-8")
    with pytest.raises(InputError, match="too large"):
        read_text(path)


def test_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeStdin:
        buffer = io.BytesIO("標準入力\r\nから".encode("cp932"))

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    assert read_text("-") == "標準入力\nから"


def test_empty_stdin_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeStdin:
        buffer = io.BytesIO(b"")

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    with pytest.raises(InputError, match="<stdin>: file is empty"):
        read_text("-")


WORDS = ["輸出規制", "レアアース", "の", "を", "は", "強化した", "米国", "中国", "日本", "IMF",
         "2025年", "、", "。", "「一般輸出許可」", "台湾有事", "戦略的曖昧さ", "ベッセント",
         "交渉", "では", "大豆", "8,750万トン", " ", "です", "ました"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40),
       st.sampled_from(["utf-8", "utf-16", "cp932", "euc_jp", "utf-8-sig"]))
# Shift_JIS の。 is 82 CC 81 42: the pairs CC 82 / CC 81 are valid UTF-8 combining marks.
@example(words=["の", "の", "の", "の"], enc="cp932")
def test_japanese_text_round_trips_through_every_encoding(words: list[str], enc: str) -> None:
    text = "".join(words) + "。\n"
    assert decode_bytes(text.encode(enc), "gen.txt") == text


def test_doctests() -> None:
    result = doctest.testmod(textio_module)
    assert result.attempted > 0
    assert result.failed == 0
