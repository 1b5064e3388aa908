"""The Warden's text model: the shipped weights, its check in the engine, a broken weights file,
and the training script. Every line here was written for these tests (none is from a labelled
set, which a test below makes sure of)."""

from __future__ import annotations

import gzip
import json
import logging
import math
from pathlib import Path

import pytest

from bot.clock import VirtualClock
from bot.message import Message, Platform, Role, Room, User
from cogs.warden import train
from cogs.warden.checks import MODEL, View
from cogs.warden.engine import Mode, WardenConfig, WardenEngine
from cogs.warden.evaluate import load
from cogs.warden.ladder import Action, Severity
from cogs.warden.model import (
    FORMAT,
    MODEL_PATH,
    ModelError,
    TextModel,
    default_model,
    features,
    try_load,
)
from cogs.warden.model import load as load_model

DATA = Path(__file__).resolve().parent.parent / "cogs" / "warden" / "data"
ROOM = Room(Platform.TWITCH, "chan", "chan")

# Scams and adverts of each kind, phrased as no labelled set phrases them.
UNSEEN_SPAM = {
    "viewers": "boost your stream with real viewers and chatters, cheap prices, contact me",
    "crypto": "crypto airdrop for twitch viewers, connect your wallet to claim 500 tokens",
    "doubling": "the elon giveaway is live, send 0.1 btc and receive 0.2 btc back instantly",
    "dm to earn": "work from your phone and make 300 a day, ask me how in private messages",
    "job": "need people for an easy online job, 1 hour a day, good pay, dm me",
    "verification": (
        "your channel violated our terms, verify your account now or it will be deleted"
    ),
    "fake staff": "hello I am from the twitch safety team, we need you to verify your identity",
    "moderator job": "want to moderate for big streamers? paid position, apply in my bio",
    "self-promotion": "come watch my stream, I'm live right now playing elden ring, link in my bio",
    "nitro": "free nitro for everyone this week, get it at nitro-drop.shop/claim",
    "skins": "steam summer gift: free skins for active players at skinvault-rewards.net",
    "earn (ru)": "заработок от 5000 в день без вложений, пиши в лс",
    "earn (es)": "gana dinero desde tu casa con tu celular, escríbeme por privado",
}
# Ordinary lines that touch the same words.
INNOCENT = (
    "is discord nitro worth it for the emotes?",
    "I bought nitro for my brother's birthday, he loves the animated emotes",
    "how do people even buy viewers lol that seems so pointless",
    "my cousin lost his steam account to a fake trade link, be careful guys",
    "does anyone here trade crypto? I only have a little bitcoin",
    "my wallet got drained last year because I signed a fake airdrop, never again",
    "I earned my first 100 followers today, thank you all so much",
    "the giveaway from the streamer is real, he announced it on stream with the mods",
    "what's the best way to grow a small channel? asking for advice",
    "scam alert: someone is sending fake nitro links in dms, don't click them",
    "the new season of the podcast is out, we talk about speedrunning at length this time",
)
# Bought by nobody who is spamming: an advert for one's own shop, which a permit allows.
SHOP = "check out my art shop at inkfox-prints.store, new stickers every week"


@pytest.fixture(scope="module")
def model() -> TextModel:
    shipped = default_model()
    assert shipped is not None, "the shipped weights file did not load"
    return shipped


def p(model: TextModel, text: str) -> float:
    return model.probability(View(text))


def msg(text: str, user: str = "ann", role: Role = Role.EVERYONE, at: float = 0.0) -> Message:
    return Message("1", ROOM, User(Platform.TWITCH, user, user, user, role=role), text, at)


def test_these_lines_are_in_no_labelled_set() -> None:
    ours = {*UNSEEN_SPAM.values(), *INNOCENT, SHOP}
    for path in sorted(DATA.glob("*.jsonl")):
        if path.name.endswith(".meta.jsonl"):
            continue
        assert not ours & {ex.text for ex in load(path)}, path.name


def test_the_shipped_model_loads_with_sane_thresholds(model: TextModel) -> None:
    assert 0.5 <= model.flag_at <= model.delete_at <= 1.0
    assert 1_000 <= len(model.weights) <= 50_000
    info = model.info
    assert set(info["trained_on"]) == set(train.SETS)
    # Cross-validated over the sets (each scored by a model of the others): the false-flag
    # budget the thresholds were chosen for.
    assert info["cv_false_flags"] <= train.FLAG_BUDGET + 0.001


def test_scores_are_deterministic_and_the_fast_path_matches_the_reference(
    model: TextModel,
) -> None:
    again = load_model(MODEL_PATH)
    for text in (*UNSEEN_SPAM.values(), *INNOCENT, "gg", "Привет всем!", "ｆｒｅｅ ｎｉｔｒｏ"):
        view = View(text)
        found = features(view)
        reference = model.bias + sum(model.weights.get(f, 0.0) * c for f, c in found.items()) / (
            math.sqrt(sum(found.values()))
        )
        assert model.logit(view) == pytest.approx(reference, abs=1e-9), text
        assert model.logit(View(text)) == model.logit(view)  # the word memory changes nothing
        assert again.probability(View(text)) == model.probability(view)


@pytest.mark.parametrize("kind", sorted(UNSEEN_SPAM))
def test_an_unseen_scam_of_each_kind_scores_high(model: TextModel, kind: str) -> None:
    assert p(model, UNSEEN_SPAM[kind]) >= model.flag_at, kind


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_lines_about_the_same_things_score_low(model: TextModel, text: str) -> None:
    assert p(model, text) < 0.5, text


def test_short_ordinary_chat_never_reaches_the_model() -> None:
    for text in ("gg", "lol KEKW", "what game is this?", "@ann123 hi there", "привет"):
        assert not View(text).gates & MODEL, text
    worth = (UNSEEN_SPAM["job"], "follow me @ann_draws", "see x.co/ab", "加我微信赚钱每天五百块")
    for text in worth:
        assert View(text).gates & MODEL, text


def test_a_model_hit_has_a_reason_a_warning_and_goes_up_the_ladder(model: TextModel) -> None:
    text = UNSEEN_SPAM["job"]  # the rules find nothing here
    rules = WardenEngine(VirtualClock(0.0), model=None)
    assert not rules.assess(msg(text)).hits
    engine = WardenEngine(VirtualClock(0.0))
    judgement = engine.judge(msg(text))
    [hit] = judgement.assessment.hits
    assert hit.check == "model" and 0.6 <= hit.score <= 1.0
    assert hit.reason == f"language model of spam and scams: {p(model, text):.2f}"
    assert judgement.action in (Action.FLAG, Action.DELETE)
    strong = UNSEEN_SPAM["dm to earn"]
    assert p(model, strong) >= model.delete_at
    engine.configure(ROOM, WardenConfig(disabled=frozenset({"scam"})))  # the model alone
    judgement = engine.judge(msg(strong, user="bob"))
    assert judgement.action is Action.DELETE and judgement.assessment.checks == ("model",)
    assert "it looks like spam or a scam" in (judgement.warning or "")
    flagonly = WardenEngine(VirtualClock(0.0), default=WardenConfig(mode=Mode.FLAGONLY))
    assert flagonly.judge(msg(strong)).action is Action.FLAG
    vip = flagonly.judge(msg(strong, role=Role.VIP)).assessment
    assert "model" not in vip.checks and "scam" in vip.checks  # a VIP is left to the rules


def test_permits_and_a_rooms_own_allowlist_are_respected(model: TextModel) -> None:
    """Whoever may post links may promote with them, and a domain the moderators allowed is
    theirs to judge: the model yields (phishing and the scam rules still apply)."""
    assert p(model, SHOP) >= model.flag_at
    engine = WardenEngine(VirtualClock(0.0))
    engine.permit(ROOM, "ann", 60)
    a = engine.assess(msg(SHOP))
    assert "model" not in a.checks and not a.flagged
    assert "model" not in engine.assess(msg(SHOP, user="bob")).checks  # the rules remove it
    offer = "want to moderate for big streamers? paid position, apply at modcrew.gg"
    assert p(model, offer) >= model.flag_at
    assert engine.assess(msg(offer, user="cat")).checks == ("links", "model")
    engine.allow(ROOM, "modcrew.gg")
    assert engine.assess(msg(offer, user="dan")).hits == ()


def test_model_can_be_disabled_per_room() -> None:
    engine = WardenEngine(VirtualClock(0.0), default=WardenConfig(disabled=frozenset({"model"})))
    assert not engine.assess(msg(UNSEEN_SPAM["job"])).hits


def _weights_file(**fields: object) -> bytes:
    data = {"format": FORMAT, "bias": 0, "flag_at": 0.8, "delete_at": 0.9, "scale": 1}
    data.update({"features": [], "weights": []}, **fields)
    return gzip.compress(json.dumps(data).encode())


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "No such file"),
        (b"not gzip at all", "not gzip-compressed JSON"),
        (gzip.compress(b"{broken json"), "not gzip-compressed JSON"),
        (gzip.compress(b"[1, 2]"), "not a JSON object"),
        (gzip.compress(json.dumps({"format": FORMAT + 1}).encode()), "format"),
        (_weights_file(features=["a", "b"], weights=[1]), "same length"),
        (_weights_file(weights=["x"], features=["a"]), "finite numbers"),
        (_weights_file(flag_at=0.9, delete_at=0.8), "thresholds"),
    ],
)
def test_a_missing_or_broken_weights_file_is_logged_and_the_rules_still_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes | None, why: str
) -> None:
    path = tmp_path / "model.json.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises((OSError, ModelError), match=why):
        load_model(path)
    with caplog.at_level(logging.ERROR, logger="cogs.warden.model"):
        broken = try_load(path)
    assert broken is None
    assert "rule checks run without it" in caplog.text and why in caplog.text
    engine = WardenEngine(VirtualClock(0.0), model=broken)
    assert engine.model is None
    a = engine.assess(msg("free gift dlscord.gift/abc"))
    assert "phishing" in a.checks and a.severity is Severity.HIGH
    assert not engine.assess(msg(UNSEEN_SPAM["job"], user="b")).hits


# --- the training script -------------------------------------------------------------------

_OK = [
    "hello everyone, how is the stream going tonight",
    "that boss fight was incredible, well played",
    "what settings do you use for the controller",
    "good morning from spain, have a nice stream",
    "the music is really relaxing today",
    "can you show the map again please",
    "i have been watching for two years now",
    "what rank are you in the new season",
    "thanks for the tips about the build",
    "see you tomorrow, good night chat",
]
_SPAM = [
    "buy cheap viewers for your channel, message me now",
    "cheap followers and viewers, instant delivery, message me",
    "earn money fast from home, message me for details",
    "buy viewers cheap, real and active, message me",
    "make easy money every day, message me for the details",
]


def _write_sets(folder: Path) -> None:
    for i, name in enumerate(("a", "b", "c")):
        rows = [{"text": t, "label": "ok"} for t in _OK[i::3]]
        rows += [{"text": t, "label": "scam"} for t in _SPAM[i::3]]
        rows.append({"text": f"{_OK[i]} again", "label": "ok"})
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_training_is_reproducible_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_sets(tmp_path)
    outs = [tmp_path / "one.json.gz", tmp_path / "two.json.gz"]
    for out in outs:
        argv = ["--sets", "a", "b", "c", "--data", str(tmp_path), "--out", str(out)]
        assert train.main([*argv, "--steps", "60"]) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert "cross-validated" in capsys.readouterr().out
    small = load_model(outs[0])
    assert small.info["trained_on"] == ["a", "b", "c"]
    assert p(small, "cheap viewers, message me") > p(small, "good night chat, see you tomorrow")


def test_positives_labelled_for_their_place_in_a_sequence_are_left_out() -> None:
    lines = [
        {"text": "is the raid happening", "label": "ok", "author": "x", "ts": t}
        for t in (0, 10, 20)
    ] + [{"text": "is the raid happening??", "label": "spam", "author": "x", "ts": 30}]
    examples = [train.Example(r["text"], r["label"], author=r["author"], ts=r["ts"]) for r in lines]
    assert train.sequence_labelled(examples) == [False, False, False, True]
    data = train.corpus({"s": examples})
    assert data.texts == [r["text"] for r in lines[:3]] and not data.labels.any()


def test_the_prefilter_costs_no_catch_on_the_development_set(model: TextModel) -> None:
    """The model runs only on texts that pass its prefilter (long, a link, a scam word, an
    "@name"...). On the development set, no spam line the model would have caught is kept
    from it, unless the rules catch that line anyway."""
    examples = load(DATA / "dev.jsonl")
    rules = WardenEngine(VirtualClock(0.0), model=None)
    flagged = {ex.text for ex, a in train.assessments(examples, engine=rules) if a.flagged}
    lost = [
        ex.text
        for ex in examples
        if ex.label != "ok"
        and not View(ex.text).gates & MODEL
        and p(model, ex.text) >= model.flag_at
        and ex.text not in flagged
    ]
    assert lost == []
