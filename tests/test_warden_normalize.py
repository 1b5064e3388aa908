"""Lookalike folding: homoglyphs, fullwidth, styled letters, leetspeak, spaced letters, zalgo."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.warden.normalize import fold, match_text, match_tokens, skeleton, skeleton_pattern


def mt(text: str) -> str:
    return match_text(fold(text).text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frее nitrо", "free nitro"),  # Cyrillic е and о
        ("ｆｒｅｅ ｎｉｔｒｏ", "free nitro"),  # fullwidth
        ("𝐟𝐫𝐞𝐞 𝐧𝐢𝐭𝐫𝐨", "free nitro"),  # mathematical bold
        ("ⓕⓡⓔⓔ ɴɪᴛʀᴏ", "free nitro"),  # circled, small capitals
        ("fr33 n1tr0", "free nitro"),  # leetspeak
        ("f r e e   n i t r o", "free nitro"),  # spaced out
        ("n.i.t.r.o", "nitro"),
        ("FREE NITRO!!!", "free nitro"),
        ("dіscord", "discord"),  # Cyrillic і
        ("Bogotá mọi người", "bogota moi nguoi"),  # accents are not disguises
    ],
)
def test_disguises_fold_to_plain_words(text: str, expected: str) -> None:
    assert mt(text) == expected.replace("l", "i")


def test_numbers_are_not_leetspeak() -> None:
    assert mt("I made $4,200 in 3 days, 100k views, 5am, 3rd try") == (
        "i made $4 200 in 3 days 100k views 5am 3rd try"
    )


def test_mentions_keep_their_at_sign() -> None:
    assert mt("@everyone look") == "@everyone iook"


@pytest.mark.parametrize(
    "sentence",
    [
        "Привет всем, как проходит вечер?",
        "Всем привет из Новосибирска",
        "Γεια σας παιδιά, τι κάνετε;",
        "こんばんは！今日も楽しみにしてました",
        "مرحبا بالجميع",
        "שלום לכולם",
        "नमस्ते सबको",
    ],
)
def test_real_foreign_text_is_not_a_lookalike(sentence: str) -> None:
    folded = fold(sentence)
    assert folded.lookalikes == 0
    assert folded.marks == 0 or folded.max_stack < 3


def test_russian_sentence_keeps_its_letters() -> None:
    folded = fold("Привет всем")
    assert folded.foreign
    assert folded.text == "привет всем"


def test_mixed_script_words_are_counted_and_folded() -> None:
    folded = fold("frее nitrо for evеryone")
    assert folded.lookalikes == 3
    assert folded.text == "free nitro for everyone"


def test_mixed_word_inside_a_russian_sentence_is_still_caught() -> None:
    folded = fold("привет, это frее nitrо")
    assert folded.foreign
    assert folded.lookalikes == 2
    assert folded.text.endswith("free nitro")


def test_a_link_does_not_make_a_russian_sentence_latin() -> None:
    folded = fold("гайд по смокам: https://www.youtube.com/watch?v=8sJfK2mZq1Q")
    assert folded.foreign
    assert folded.lookalikes == 0


def test_all_homoglyph_word_in_english_text_is_a_lookalike() -> None:
    assert fold("check this сосо out").lookalikes == 1  # every letter Cyrillic


def test_zalgo_marks_are_counted_and_stripped() -> None:
    folded = fold("h̸̛̛̞̟͚̤̯̣̭̖̋̀̓̆́͑͊̎̀̚͝͝ḛ̷̢̧̱")
    assert folded.text == "he"
    assert folded.max_stack >= 20
    assert folded.marks >= 20


def test_vietnamese_diacritics_are_not_zalgo() -> None:
    folded = fold("Tiếng Việt có dấu")
    assert folded.max_stack < 3


def test_invisible_characters_are_removed() -> None:
    assert mt("dis\u200bcord ni\u00adtro") == "discord nitro".replace("l", "i")


def test_styled_letters_are_counted() -> None:
    assert fold("𝐟𝐫𝐞𝐞 𝐧𝐢𝐭𝐫𝐨").styled == 9
    assert fold("hello").styled == 0


def test_skeleton_and_patterns_agree_with_match_text() -> None:
    assert skeleton("Follow") == mt("follow") == "foiiow"
    assert skeleton_pattern(r"\bfollowers\b") == r"\bfoiiowers\b"
    with pytest.raises(ValueError):
        skeleton_pattern(r"\L<words>")


def test_emoji_and_punctuation_become_spaces() -> None:
    assert match_tokens(fold("nitro🎁gift!!! (free)").text) == ["nitro", "gift", "free"]


@given(st.text(max_size=80))
def test_match_tokens_never_fails_and_has_no_punctuation(text: str) -> None:
    tokens = match_tokens(fold(text).text)
    for token in tokens:
        assert token == token.strip()
        assert not any(ch in token for ch in '.,!?;:()[]{}"')
        assert token == token.lower() or not token.isascii()


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_input_gives_ascii_lowercase_tokens(text: str) -> None:
    for token in match_tokens(fold(text).text):
        assert token.isascii()
        assert token == token.lower()
        assert "l" not in token  # l reads as i


def _reference_tokens(folded: str) -> list[str]:
    """match_tokens for ASCII as first written: every word through _unleet_bytes."""
    from cogs.warden import normalize as n

    data = folded.encode().translate(n.ASCII_SKELETON, b"'")
    shape = data.translate(n.SHAPE)
    leet = b"1" in shape
    words = n._join_singles(data.split(b" "), b"") if n.has_singles(shape) else data.split()
    if leet:
        words = [n._unleet_bytes(w) for w in words]
    return b" ".join(words).decode().split()


@given(st.text(alphabet="abXl1I0o3e4a5s7t@$ .'-_!?:#&k%+", max_size=30))
def test_the_ascii_fast_paths_match_the_reference(text: str) -> None:
    folded = text.lower()
    assert match_tokens(folded) == _reference_tokens(folded)
    assert match_tokens("@" + folded) == _reference_tokens("@" + folded)
