"""Prompt assembly: layout, lore triggering, and the token budget's trimming order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.llm.prompt import (
    assemble_prompt,
    build_prompt,
    estimate_tokens,
    lore_matches,
    triggered_lore,
)
from bot.message import Message, Platform, Room, User
from bot.personas import LoreEntry, Persona

ROOM = Room(Platform.LOCAL, "lobby", name="Lobby", member_count=5)
ALICE = User(Platform.LOCAL, "alice", name="Alice")
BOB = User(Platform.LOCAL, "bob", name="Bob")
MIRELA = User(Platform.LOCAL, "mirela", name="Mirela", persona="mirela")

LORE = (
    LoreEntry(
        keys=("kestrel",),
        content="LORE-SHIP the Kestrel has a brass hull.",
        priority=5,
        insertion_order=20,
        name="ship",
    ),
    LoreEntry(
        keys=("storm",),
        secondary_keys=("aster",),
        selective=True,
        content="LORE-STORM storms ground ships at Port Aster.",
        priority=1,
        insertion_order=10,
        position="before_char",
        name="storm",
    ),
    LoreEntry(
        constant=True,
        content="LORE-PAST {{char}} lost a ship to pirates.",
        priority=9,
        insertion_order=0,
        name="past",
    ),
    LoreEntry(keys=("secret",), content="LORE-OFF never shown.", enabled=False),
)


def persona(**extra) -> Persona:
    data = {
        "id": "mirela",
        "name": "Mirela",
        "system_prompt": "IDENTITY You are {{char}}, captain of the Kestrel.",
        "traits": ("stern",),
        "description": "{{char}} distrusts {{user}}.",
        "examples": "<START>\n{{user}}: hi\n{{char}}: EXAMPLE-LINE",
        "post_history": "POST stay terse with {{user}}.",
        "lore": LORE,
        **extra,
    }
    return Persona.model_validate(data)


def message(n: int, text: str, author: User = ALICE) -> Message:
    return Message(id=str(n), room=ROOM, author=author, text=text, ts=1000.0 + n)


def window(count: int = 10, last: str = "is the Kestrel safe in this storm near Aster?"):
    history = [
        message(i, f"HIST-{i} " + "chatter " * 10, BOB if i % 2 else MIRELA) for i in range(count)
    ]
    return [*history, message(count, last)]


MEMORIES = [f"MEM-{i} Alice likes tea number {i}" for i in range(4)]
SUMMARY = "SUMMARY the crew argued about rations."


def full(budget=None, **kw):
    return assemble_prompt(
        persona(), ROOM, window(), memories=MEMORIES, summary=SUMMARY, budget=budget, **kw
    )


# -- layout ------------------------------------------------------------------------------------


def test_layout_without_a_budget():
    prompt = full()
    system, *turns, post = prompt.messages
    assert system.role == "system" and post.role == "system"
    assert post.content == "POST stay terse with Alice."
    text = system.content
    # before_char lore, identity, after_char lore, memories, summary, examples, style.
    order = [
        "LORE-STORM",
        "IDENTITY",
        "LORE-PAST",
        "LORE-SHIP",
        "MEM-0",
        "SUMMARY",
        "EXAMPLE-LINE",
        "Keep each reply under",
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "What you remember about Alice:" in text
    assert "Mirela distrusts Alice." in text and "{{" not in text
    assert "<START>" not in text and "LORE-OFF" not in text
    assert turns[-1].content == "Alice: is the Kestrel safe in this storm near Aster?"
    assert turns[0].role == "assistant" and turns[1].content.startswith("Bob: HIST-1")
    assert prompt.lore == ("past", "storm", "ship")  # by insertion order
    assert prompt.history_kept == 10 and prompt.memories_kept == 4 and prompt.summary
    assert prompt.tokens > 0 and not prompt.over_budget and prompt.trimmed() == ""


def test_build_prompt_stays_compatible():
    plain = Persona(id="luna", name="Luna", system_prompt="You are Luna.")
    messages = build_prompt(plain, ROOM, [message(1, "hi luna")])
    assert [m.role for m in messages] == ["system", "user"]
    assert messages[0].content.startswith("You are Luna.")
    assert messages[1].content == "Alice: hi luna"


# -- lore --------------------------------------------------------------------------------------


def test_lore_keys_are_case_insensitive_whole_words():
    entry = LoreEntry(keys=("Kestrel",), content="x")
    assert lore_matches(entry, "the KESTREL flies")
    assert not lore_matches(entry, "kestrels")  # whole words only
    assert lore_matches(LoreEntry(keys=("sky-port",), content="x"), "at the Sky-Port now")
    assert lore_matches(LoreEntry(keys=("c++",), content="x"), "I write C++ daily")
    sensitive = LoreEntry(keys=("Ash",), content="x", case_sensitive=True)
    assert lore_matches(sensitive, "Ash said") and not lore_matches(sensitive, "the ash fell")


def test_selective_constant_disabled_and_regex_entries():
    selective = LORE[1]
    assert not lore_matches(selective, "a storm is coming")
    assert lore_matches(selective, "a storm over ASTER")
    assert lore_matches(LORE[2], "anything at all") and lore_matches(LORE[2], "")
    assert not lore_matches(LORE[3], "the secret")
    pattern = LoreEntry(keys=(r"light\s*house",), use_regex=True, content="x")
    assert lore_matches(pattern, "the LIGHT HOUSE") and not lore_matches(pattern, "lights")
    assert [e.name for e in triggered_lore(LORE, ["kestrel"])] == ["ship", "past"]


def test_lore_is_triggered_by_the_recent_window_only():
    history = [message(0, "tell me about the kestrel"), *window(3, last="and now?")[1:]]
    used = assemble_prompt(persona(), ROOM, history).lore
    assert "ship" in used
    narrow = assemble_prompt(persona(), ROOM, history, scan_depth=2).lore
    assert "ship" not in narrow and "past" in narrow  # constant entries need no key


def test_lore_can_be_passed_by_the_caller():
    extra = (LoreEntry(keys=("tea",), content="LORE-TEA tea is rationed."),)
    prompt = assemble_prompt(persona(), ROOM, [message(0, "any tea?")], lore=extra)
    assert "LORE-TEA" in prompt.messages[0].content and prompt.lore == ("tea",)


# -- budget ------------------------------------------------------------------------------------


def test_must_include_parts_are_never_trimmed():
    prompt = full(budget=10)
    text = prompt.messages[0].content
    assert "IDENTITY" in text and "Keep each reply under" in text
    assert prompt.messages[-2].content.startswith("Alice: is the Kestrel safe")
    assert prompt.messages[-1].content.startswith("POST")
    for gone in ("HIST-", "LORE-", "MEM-", "SUMMARY", "EXAMPLE-LINE"):
        assert all(gone not in m.content for m in prompt.messages)
    assert prompt.over_budget and "over budget" in prompt.trimmed()


def test_a_huge_current_message_is_kept_whole():
    huge = "word " * 50_000
    prompt = assemble_prompt(persona(), ROOM, window(3, last=huge), budget=500)
    assert prompt.messages[-2].content == "Alice: " + huge
    assert prompt.over_budget


def test_a_huge_memory_is_cut_not_allowed_to_swamp_the_prompt():
    prompt = assemble_prompt(persona(), ROOM, window(2), memories=["x" * 1_000_000])
    assert len(prompt.messages[0].content) < 10_000


def test_trimming_order_step_by_step():
    top = full().tokens
    examples_gone = full(budget=top - 1)
    assert not examples_gone.examples and examples_gone.history_dropped == 0
    # Some history gone: the oldest first, the rest intact.
    some = next(full(budget=b) for b in range(top, 0, -5) if full(budget=b).history_dropped)
    kept = [m.content for m in some.messages[1:-2]]
    assert "HIST-0" not in " ".join(kept)
    assert kept[-1].startswith("Bob: HIST-9") or kept[-1].startswith("HIST-9")
    assert len(some.lore) == 3 and some.memories_kept == 4


def check_order(prompt, budget: int) -> None:
    """What a trimmed prompt may look like, whatever the budget."""
    # Within budget, unless only the never-trimmed parts are left.
    if prompt.over_budget:
        assert prompt.history_kept == 0 and not prompt.lore and prompt.memories_kept == 0
        assert not prompt.summary and not prompt.examples
    else:
        assert prompt.tokens <= budget
    # Earlier categories go entirely before later ones lose anything.
    if prompt.history_dropped:
        assert not prompt.examples
    if prompt.lore_dropped:
        assert prompt.history_kept == 0
    if prompt.memories_dropped:
        assert not prompt.lore
    if not prompt.summary:
        assert prompt.memories_kept == 0
    # History kept is the newest part; lore kept is the highest priority; memories the best.
    turns = [m.content for m in prompt.messages[1:-2]]
    expected = [f"HIST-{i}" for i in range(10 - prompt.history_kept, 10)]
    assert [t.split(": ", 1)[-1].split()[0] for t in turns] == expected
    by_priority = ["past", "ship", "storm"][: len(prompt.lore)]
    assert sorted(prompt.lore) == sorted(by_priority)
    text = prompt.messages[0].content
    assert all(f"MEM-{i}" in text for i in range(prompt.memories_kept))
    assert all(f"MEM-{i}" not in text for i in range(prompt.memories_kept, 4))


def test_trimming_order_holds_for_every_budget():
    top = full().tokens
    for budget in range(0, top + 10, 3):
        check_order(full(budget=budget), budget)


@settings(max_examples=60, deadline=None)
@given(budget=st.integers(min_value=0, max_value=1500))
def test_trimming_order_with_a_word_counter(budget):
    # A pluggable counter that is not additive over pieces; the real count still decides.
    def words(text: str) -> int:
        return len(text.split()) * 2

    check_order(full(budget=budget, counter=words), budget)


def test_estimate_tokens_is_about_four_characters():
    assert (
        estimate_tokens("") == 0 and estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2
    )
