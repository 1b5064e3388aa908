"""Scam and spam shapes made of concepts (:mod:`cogs.warden.lexicon`), in any language.

A shape is a combination that ordinary chat does not make: an amount of money, "a day", "from
your phone" and "write me" together are a pitch; a QR code to scan with the Discord app "to get
access" is account theft; "follow me" next to a channel link is self-promotion. One concept
alone, or two, is chat ("I earn 15 a day", "how does the QR login work?"), and scores below the
flag line or nothing. Warnings and reports ("this is a scam", "мошенники", "詐欺") cancel the
shapes unless the message carries a link of its own.

Scores are on the checks' scale: 1.0 removes a message in normal mode, 0.6 flags it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from cogs.warden.lexicon import (
    ACCESS,
    APP,
    AUDIENCE,
    BACK,
    BONUS,
    CHAIN,
    CODE,
    COIN,
    CONTACT,
    EARN,
    EASY,
    FOLLOW,
    FOLLOWME,
    GAMBLE,
    GIFT,
    INVEST,
    LOAN,
    LONELY,
    LUCK,
    MENTOR,
    MINE,
    PERIOD,
    PROFILE,
    QR,
    RECOVER,
    SCAN,
    SELL,
    SEND,
    SERVICE,
    SIDEJOB,
    STAFF,
    STREAMS,
    THANKS,
    THREAT,
    TODAY,
    VERIFY,
    WARN,
    YOUR,
)

BAIT = 0.5  # a topic without a call to action: below the flag line
TODAY_BONUS = 0.3

_CURRENCY = (
    r"(?:€|\$|£|₹|¥|元|円|원|₩|₺|₽|₴|zł|zl|tl|usd|usdt|eur|euro|euros|dolares|dollars?|dolar|"
    r"reais|pesos|soles|rubles|рубл\w*|руб|грн|rupiah|rupees|रुपये|रुपए|دولار\w*|ريال|جنيه|درهم|"
    r"dong|vnd|baht|บาท|lira|lei|yuan|yen|bucks|zlotych|taka|টাকা|₪|ש\"ח|ש״ח|שח|שקל\w*|تومان|ریال|دلار|"
    r"shilingi|ksh|tsh|kes|/=|kr|kronor|sek|kc|czk|forint|huf|ron)"
)
_MULTIPLIER = r"(?:k|mil|tys|juta|jt|ribu|rb|trieu|lakh|crore|万|萬|千|만|천|억|میلیون|هزار)"
# An amount of money in any of the usual ways: "$99", "R$ 500", "₹5000", "50.000 TL", "3万円",
# "30만원", "10,000 دولار", and the million words that need no currency ("2 triệu", "1 juta").
MONEY_RE = re.compile(
    rf"(?:[€$£₹¥₩₽৳₪]|r\$|rp\.?|us\$)\s?\d"
    rf"|\d[\d.,]*\s?{_MULTIPLIER}?\s?{_CURRENCY}(?![a-z])"
    rf"|\d[\d.,]*\s?(?:juta|trieu|lakh|crore|万|萬|만)"
    r"|(?<![가-힣])[일이삼사오십백천]?만\s?원"  # "만원" (10,000 won), "오만원"
    r"|\b(?:shilingi|ksh|tsh|dola|usd|eur|rs\.?)\s?\d"  # "shilingi 50,000", "USD 100"
)
_LOOSE_AMOUNT = re.compile(r"\d+\s?(?:k|ribu|rb|rebu|nghin|ngan)(?![a-z])")
_COIN_AMOUNT = re.compile(
    r"(\d+(?:[.,]\d+)?)\s?(btc|eth|usdt|usdc|sol|bnb|doge|xrp|ltc|trx|ada|bitcoin|ethereum|"
    r"биткоин\w*|بيتكوين|比特币|ビットコイン|비트코인)"
)
# Wallet addresses: Ethereum, Bitcoin (bech32 and base58), Tron. Read from the raw text.
_WALLET = re.compile(
    r"(?<![\w])(?:0x[0-9a-fA-F]{40}|bc1[02-9ac-hj-np-z]{25,62}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}"
    r"|T[1-9A-HJ-NP-Za-km-z]{33})(?![\w])"
)


class Shape(NamedTuple):
    category: str
    score: float
    reason: str


def money(folded: str) -> bool:
    return MONEY_RE.search(folded) is not None


def doubles_coins(folded: str) -> bool:
    """Two amounts of one coin, the second at least half as much again: "0.1 ETH ... 0.2 ETH"."""
    found = _COIN_AMOUNT.findall(folded)
    if len(found) < 2:
        return False
    seen: dict[str, float] = {}
    for amount, coin in found:
        try:
            value = float(amount.replace(",", "."))
        except ValueError:
            continue
        first = seen.get(coin)
        if first is None:
            seen[coin] = value
        elif first > 0 and value >= 1.5 * first:
            return True
    return False


def wallet(raw: str) -> bool:
    return _WALLET.search(raw) is not None


def viable(mask: int, folded: str, *, link_or_at: bool) -> bool:
    """Whether concepts ``mask`` may make a shape (the scam check runs only then): most chat
    that touches a concept ("how many viewers?", "verify your email for drops") cannot."""
    need = _VIABLE.get(mask)
    if need is None:
        need = _needs(mask)
        if len(_VIABLE) < 4096:
            _VIABLE[mask] = need
    if need is True:
        return True
    if need & _LINK_OR_AT and link_or_at:
        return True
    return bool(need & _MONEY and _MONEY_HINT.search(folded))


_LINK_OR_AT = 1
_MONEY = 2
_VIABLE: dict[int, bool | int] = {}  # concept masks repeat: what each one needs, worked out once


def _needs(mask: int) -> bool | int:
    """True when ``mask`` makes a shape by itself, else what it still needs (flags above)."""
    if (
        (mask & QR and mask & SCAN)
        or (mask & CODE and mask & (STAFF | SEND))
        or (mask & THREAT and mask & (VERIFY | APP | STAFF))
        or (mask & MENTOR and mask & (INVEST | EARN))
        or (mask & RECOVER and mask & (INVEST | CONTACT))
        or (mask & LOAN and mask & CONTACT)
        or (mask & SEND and mask & (BACK | YOUR))
        or (mask & GIFT and mask & COIN)
        or (mask & CODE and mask & (GIFT | SIDEJOB | SELL))  # then _ENTER, _NEVER decide
        or (mask & SIDEJOB and mask & (PERIOD | EASY) and mask & CONTACT)
        or (mask & AUDIENCE and mask & SELL)
        or mask & PROFILE
        or (mask & LONELY and mask & CONTACT)
        or (mask & GAMBLE and mask & BONUS)
        or (mask & CHAIN and mask & LUCK)
        or bool(mask & EARN) + bool(mask & PERIOD) + bool(mask & EASY) >= 2
    ):
        return True
    need = 0
    if mask & (FOLLOW | FOLLOWME | MINE | GAMBLE | RECOVER):
        need |= _LINK_OR_AT
    # A price or an amount: an audience, plays or work for sale, coins sent and returned.
    if mask & (
        AUDIENCE | STREAMS | SERVICE | COIN | SEND | BACK | GIFT | EARN | LOAN | SIDEJOB | INVEST
    ):
        need |= _MONEY
    return need


# Typing a password in ("enter", "입력", "输入"), and the notice that says nobody will ask for
# one ("we never ask", "НИКОГДА не просим", "不会索要", "jangan").
_ENTER = re.compile(
    r"(?i)\b(?:enter|type|input|ingresa|ingrese|introduce|digite|insira|masukkan|gib|eingeben|"
    r"saisissez|inserisci|wpisz|введите|введи|впиши|send|kirim|envia|envie|manda|wyslij)\b"
    r"|입력|输入|輸入|入力|填写|填寫"
)
_NEVER = re.compile(
    r"(?i)\b(?:never|nunca|jamais|niemals|nigdy|asla|jangan|tidak pernah|mai|gak ada|"
    r"nggak ada|tidak ada|ga ada)\b|никогда|"
    r"ніколи|не просим|不会|不會|绝不|絕不|절대|決して|しません"
)
# A wink, a kiss, hearts: how a romance bot signs "look at my profile".
_FLIRT = re.compile(
    "[\U0001f48b\U0001f618\U0001f495\U0001f60f\U0001f609\U0001f975\U0001f51e\U0001f4a6\U0001f351]"
)
# "Payment only after success": how a recovery pitch answers "is it a scam?".
_PAY_AFTER = re.compile(
    r"\b(?:pay(?:ment)? (?:only )?after|only after success|after success|no upfront|pago despues|"
    r"pagas despues|pagamento apos|zahlung erst nach|betaling na|betaal pas|platite az po|"
    r"fizetes csak|csak siker eseten|utalipa baada|baada ya kufanikiwa|оплата (?:лише|тільки|"
    r"только) після|оплата только после|оплата после|płatność po|platnosc po)\b"
    r"|پرداخت بعد از|成功后再?收费|成功後再?收費|先追回后收费"
)
# Endearments a romance bot opens with ("hey cutie", "عزیزم", "mpendwa").
_DEAR = re.compile(
    r"\b(?:cutie|sweetie|handsome|hi dear|hello dear|hey dear|my dear|mpendwa|snygging|fesaku|"
    r"mein lieber|meine liebe|mi amor|carino|querido|sayang|schatje|drahy|draga|dragule|cica)\b"
    r"|عزیزم|🌹"
)
_MONEY_HINT = re.compile(r"[\d$€£₹¥₩₽]|만\s?원")


def _bits(mask: int, *bits: int) -> int:
    return sum(1 for b in bits if mask & b)


def match_shapes(
    c: int,
    folded: str,
    raw: str,
    *,
    link: bool,
    channel: bool,
    anylink: bool,
    profile: bool = True,
    handle: bool,
    promote: bool,
    asks: Callable[[], bool],
    disclaims: Callable[[], bool],
) -> Shape | None:
    """The strongest shape that concepts ``c`` make, or None.

    ``link``: a link that is not allowlisted; ``channel``: a link to a channel, video or invite
    (``profile``: to a channel or invite, not just a video: "go watch the vod at ...");
    ``anylink``: any link at all; ``handle``: an account named ("@name"); ``promote``: the
    author may post links (VIP, permit); ``asks``: whether the English contact rules find a
    request ("dm me"); ``disclaims``: whether the English rules find a warning or a report
    (:func:`cogs.warden.scams.disclaims`). Both are asked only when needed.
    """
    if c & WARN and not link:
        # "someone is selling viewers on telegram, report them"; but a recovery pitch names
        # the scam it preys on ("lost money to a fake investment? I recover stolen funds").
        if c & RECOVER and (c & INVEST or _PAY_AFTER.search(folded)) and (c & CONTACT or asks()):
            return Shape("crypto", 1.2, "a crypto recovery pitch")
        return None
    contact = bool(c & CONTACT) or asks()
    act = contact or link  # a call to action: reach someone, or go somewhere
    found: list[Shape] = []
    # --- self-promotion (spam, not a scam) ---
    if not promote:
        if (c & FOLLOWME and channel) or (c & FOLLOW and profile):
            found.append(Shape("promo", 1.0, "asks chat to follow a channel"))
        elif c & FOLLOWME and handle:
            found.append(Shape("promo", 1.0, "asks chat to follow an account"))
        elif c & MINE and (channel or handle or (anylink and c & (FOLLOW | FOLLOWME))):
            # "my channel youtube.com/@me", "join our server play.example.net" (not "my server
            # is down, see status.example.net")
            found.append(Shape("promo", 1.0, "promotes their own channel with a link"))
        elif c & SERVICE and act and money(folded):
            found.append(Shape("ad", 1.0, "sells a service with a price"))
    # --- easy money ---
    has_money = None
    if c & (EARN | PERIOD | EASY | MENTOR | THANKS | AUDIENCE | STREAMS):
        has_money = money(folded)
    if not has_money and _bits(c, EARN, PERIOD, EASY) >= 2 and act:
        # "500k mỗi ngày", "300 ribu per hari": an amount without a currency, in a pitch
        has_money = _LOOSE_AMOUNT.search(folded) is not None
    if has_money:
        pitch = 1 + _bits(c, EARN, PERIOD, EASY)
        if pitch >= 3:
            found.append(
                Shape("crypto", 1.4, "promises easy money, asks for contact")
                if act
                else Shape("crypto", BAIT, "promises easy money")
            )
        if c & (MENTOR | THANKS) and c & (EARN | INVEST) and act:
            found.append(Shape("crypto", 1.4, "an investment testimonial, asks for contact"))
        if c & SIDEJOB and act:
            found.append(Shape("crypto", 1.3, "a paid side job, asks for contact"))
        if c & INVEST and c & (EARN | PERIOD | EASY) and act:
            found.append(Shape("crypto", 1.3, "an investment that pays, asks for contact"))
    if c & SIDEJOB and c & (PERIOD | EASY) and contact and not has_money:
        # "刷单返利，日结，手机就能做，私聊": paid daily, from the phone, ask in private
        found.append(Shape("crypto", 1.1, "a side job paid by the day, asks for contact"))
    if c & MENTOR and c & (INVEST | EARN) and contact:
        found.append(Shape("crypto", 1.1, "points to an investment mentor"))
    if c & RECOVER and c & INVEST and act:
        found.append(Shape("crypto", 1.2, "a crypto recovery testimonial"))
    elif c & RECOVER and (act or handle) and _PAY_AFTER.search(folded):
        # "we recover hacked accounts and lost funds, payment only after success, WhatsApp ..."
        found.append(Shape("crypto", 1.2, "a recovery pitch, paid after success"))
    # --- selling an audience ---
    if c & AUDIENCE and (c & SELL or has_money):
        found.append(
            Shape("viewers", 1.3, "sells viewers or followers")
            if act or handle
            else Shape("viewers", BAIT, "sells viewers or followers")
        )
    if c & STREAMS and has_money and act:
        found.append(Shape("viewers", 1.2, "sells plays or listeners"))
    # --- crypto doubling ---
    if c & (COIN | SEND | BACK | GIFT) and doubles_coins(folded):
        found.append(Shape("crypto", 1.3, "send coins, get double back"))
    elif c & SEND and c & COIN and c & BACK:
        found.append(Shape("crypto", 1.2, "send coins, get more back"))
    if c & (SEND | BACK) and wallet(raw):
        found.append(Shape("crypto", 1.3, "asks for coins to a wallet"))
    if c & GIFT and c & COIN and link:
        found.append(Shape("crypto", 1.3, "a crypto giveaway with a link"))
    # --- account theft ---
    if c & CODE and (c & STAFF or (c & SEND and c & YOUR)):
        found.append(Shape("verify", 1.2, "asks for a password or a login code"))
    elif (
        c & CODE
        and (c & SIDEJOB or (c & (GIFT | SELL) and _ENTER.search(raw)))
        and not raw.rstrip().endswith("?")
        and _NEVER.search(raw) is None
    ):
        # "free RP event: enter your Riot ID and password", "a job: give us your login"
        found.append(Shape("verify", 1.2, "asks for a password for a prize or a job"))
    if c & QR and c & SCAN and c & (APP | VERIFY | ACCESS | THREAT | GIFT):
        if not raw.rstrip().endswith("?") and _NEVER.search(raw) is None:
            found.append(Shape("verify", 1.2, "asks you to scan a QR code with your account"))
    if c & VERIFY and c & THREAT and (act or c & APP):
        found.append(Shape("verify", 1.1, "demands verification with a threat"))
    if c & THREAT and c & APP and contact:
        found.append(Shape("staff", 1.1, "threatens the account, asks for contact"))
    if c & STAFF and c & THREAT and act:
        found.append(Shape("staff", 1.2, "speaks for a company, threatens the account"))
    if c & LOAN and contact and (c & (SERVICE | EASY) or has_money):
        found.append(Shape("crypto", 1.1, "offers a loan, asks for contact"))
    # --- gambling sites and chain letters ---
    if c & GAMBLE and not promote:
        if act and (c & BONUS or money(folded) or "%" in raw):
            found.append(Shape("gambling", 1.2, "promotes a casino or betting site"))
        elif c & BONUS and (money(folded) or "%" in raw):
            found.append(Shape("gambling", BAIT, "a casino bonus"))
    if c & CHAIN and c & LUCK and "chain" not in folded:  # not "remember chain letters?"
        found.append(Shape("chain", 1.0, "a chain letter"))
    # --- a profile to look at: a romance bot's photos, a promoter's channel link ---
    if c & PROFILE and not promote:
        if c & LONELY or _FLIRT.search(raw):
            found.append(Shape("romance", 1.1, "flirts and sends chat to a profile"))
        elif c & (MINE | FOLLOWME) or "福利" in raw:
            found.append(Shape("promo", 1.0, "sends chat to a profile for more"))
    if (
        c & LONELY
        and (contact or handle)
        and (_FLIRT.search(raw) or _DEAR.search(folded) or ("\u2764" in raw and contact and handle))
        and not promote
    ):
        found.append(Shape("romance", 1.1, "flirts and asks to be added"))
    if not found or disclaims():
        return None
    best = max(found, key=lambda s: s.score)
    if c & TODAY and best.score > BAIT:
        best = best._replace(score=best.score + TODAY_BONUS, reason=best.reason + ", today only")
    return best
