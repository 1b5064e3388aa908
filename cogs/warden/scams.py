"""Scam shapes: what the bait says, and whether it asks you to act.

A *bait* rule recognises a topic scammers use (selling viewers, free Nitro, "Discord staff",
crypto giveaways, "verify your account"). Most bait alone is ordinary chat ("is nitro worth
it?", "twitch staff banned him?") and scores below the flag line. A *call to action* turns it
into a scam: a link that is not allowlisted, a way to contact someone off-platform ("DM me",
Telegram, a phone number), or pressure ("claim", "first 5 people", "expires"). A few rules are
complete shapes on their own ("send 0.1 BTC and receive 0.2 back", "I accidentally bought two
Nitro gifts") and score high alone.

Rules run on match text (:func:`cogs.warden.normalize.match_text`: lowercase, folded, spaces
collapsed, ``l`` read as ``i``), and a rule's regex runs only when each of its anchor word groups
has a word among the message's tokens: ordinary chat costs a set intersection, not regexes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from cogs.warden.normalize import skeleton, skeleton_pattern

# Link bonus per category: self-promotion with a link is a link, not a scam.
_LINK_BONUS = {"promo": 0.3}
LINK_BONUS = 1.0
CONTACT_BONUS = 0.8
PRESSURE_BONUS = 0.5
MAX_SCORE = 3.0


@dataclass(frozen=True, slots=True)
class Rule:
    category: str
    reason: str
    score: float
    pattern: re.Pattern[str]
    # Groups of words: the rule can only match when every group has a word in the message.
    anchors: tuple[frozenset[str], ...]
    money: bool = False  # the rule needs a digit or a currency sign


_MONEY_SIGN = re.compile(r"[\d$€£]")


def _rule(category: str, reason: str, score: float, anchors: str, source: str) -> Rule:
    """``anchors``: word groups joined by ``+`` ("buy sell + viewers followers"); a group
    ``#money`` asks for a digit or currency sign instead of a word."""
    pattern = re.compile(skeleton_pattern(source))
    parts = [g.split() for g in anchors.split("+")]
    money = ["#money"] in parts
    groups = tuple(frozenset(skeleton(w) for w in g) for g in parts if g != ["#money"])
    return Rule(category, reason, score, pattern, groups, money)


_AUDIENCE = "viewers viewer followers follows subs subscribers views chatters primes prime viewbot viewbots audience viewership"  # noqa: E501
_AUD = r"(?:viewers?|followers|follows|subs|subscribers|views|chatters|primes|prime subs|viewbots?|audience|viewership)"  # noqa: E501
_PRICE = r"(?:[$€£]\s?\d[\d ]*k?|\d[\d ]*\s?(?:k\s?)?(?:[$€£]|usd|usdt|eur|dollars?|bucks))"
_MONEY = rf"(?:{_PRICE}|\d+ ?k\b)"  # earnings: "3k a week" is money, "20k viewers" is not
_COINS = r"(?:btc|bitcoin|eth|ethereum|crypto|usdt|usdc|sol|solana|doge|dogecoin|bnb|xrp|nfts?|tokens?|coins?)"  # noqa: E501
_COIN_WORDS = "btc bitcoin eth ethereum crypto usdt usdc sol solana doge dogecoin bnb xrp nft nfts token tokens coin coins"  # noqa: E501
_BRANDS = r"(?:discord|twitch|steam|roblox|epic|valve|paypal|youtube|tiktok|instagram)"
_BRAND_WORDS = "discord twitch steam roblox epic valve paypal youtube tiktok instagram"
_DM = "dm d dms inbox message msg text contact pm hmu write"
_VERIFY = "verify verifying verified verification confirm confirming confirmed confirmation authenticate authentication reactivate validate validation unlock unlocked"  # noqa: E501
_LOGIN = "log login sign signin"

RULES: tuple[Rule, ...] = (
    # --- selling an audience ---
    _rule("viewers", "sells viewers or followers", 0.4,
          f"{_AUDIENCE} + buy buying cheap get gain boost grow increase more real active "
          f"instant selling sell best free organic targeted upgrade sale available stock",
          rf"\b(?:buy|buying|cheap|get|gain|boost|grow|increase|more|real|active|instant|"
          rf"selling|sell|best|free|organic|targeted|upgrade)\b(?: \S+){{0,4}} {_AUD}\b|"
          rf"\b{_AUD}\b(?: \S+){{0,4}} (?:for cheap|cheap|for sale|on sale|available|in stock)\b"),
    _rule("viewers", "sells viewers or followers", 0.4,
          "viewbot viewbots bot bots followbot followbots chatbot chatbots",
          r"\b(?:viewbots?|view bots?|follow ?bots?|chat ?bots? service)\b"),
    _rule("viewers", "promises fame", 0.4, "famous + become get be go",
          r"\b(?:become|get|be|go) famous\b"),
    _rule("viewers", "offers to grow your channel", 0.4,
          "promote promotes promoted promoting promotion promotions grow grows growing growth "
          "grew boost boosts boosting boosted expand expands expanding expansion upgrade "
          "upgrades upgrading + your ur",
          r"\b(?:promot\w*|grow\w*|boost\w*|expand\w*|upgrade)(?: \S+){0,2} (?:your|ur) "
          r"(?:stream|channel|twitch|audience|content|account|profile|live)\b"),
    _rule("viewers", "sells primes, subs or followers", 1.0, f"selling sell + {_AUDIENCE}",
          rf"\b(?:selling|sell) (?:\S+ ){{0,3}}{_AUD}\b"),
    _rule("viewers", "prices an audience", 1.0, f"{_AUDIENCE} + #money",
          rf"\b{_AUD}\b.{{0,30}}{_PRICE}|{_PRICE}.{{0,30}}\b{_AUD}\b"),
    _rule("viewers", "delivers viewers", 0.8,
          f"{_AUDIENCE} + deliver delivers delivered delivery delivering instant instantly "
          f"guaranteed drop real active safe",
          rf"\b{_AUD}\b.{{0,40}}\b(?:deliver\w*|instant\w*|guaranteed|no drop|real and active|"
          rf"active and real|100 safe|safe and)\b"),
    _rule("promo", "asks for follow-for-follow", 1.0,
          "sub follow like subasub subforsub followafollow followforfollow likealike "
          "likeforlike f4f s4s faf sas",
          r"\b(?:sub|follow|like) ?(?:4|a|for) ?(?:sub|follow|like)\b|\b(?:f4f|s4s|faf|sas)\b"),
    _rule("promo", "promotes a channel", 0.4,
          "follow sub subscribe check checkout come watch visit join + me my",
          r"\b(?:follow|sub|subscribe to|check out|checkout|come watch|watch|visit|join)(?: "
          r"\S+)? (?:me|my)\b(?: \S+){0,3} (?:channel|stream|twitch|youtube|yt|tiktok|page|"
          r"insta|instagram|server|discord|content|mixtape|shop|store|art|music|clips?|videos?|"
          r"project)\b"),
    _rule("promo", "pushes a referral code", 0.4, "use enter + code referral ref promo link",
          r"\b(?:use|enter) (?:my|the) (?:code|referral|ref|promo code|link)\b"),
    # --- free Nitro, gifts, skins ---
    _rule("gift", "offers free Nitro", 0.4, "nitro",
          r"\bfree ?(?:discord )?nitro\b|\bnitro\b(?: \S+){0,3} (?:for )?free\b|\bnitro "
          r"(?:giveaway|gift|drop|generator|gen)\b"),
    _rule("gift", "claims an accidental purchase", 1.2, "accidentally accidently mistakenly",
          r"\b(?:accidentally|accidently|mistakenly) (?:bought|purchased|got|ordered)\b(?: "
          r"\S+){0,4} (?:nitro|gifts?|subscriptions?|codes?|keys?)"),
    _rule("gift", "asks you to claim a prize", 0.4,
          "claim redeem grab collect take + nitro gift gifts prize prizes reward rewards skin "
          "skins robux vbucks giveaway drop card code items inventory",
          r"\b(?:claim|redeem|grab|collect|take)\b(?: \S+){0,3} (?:nitro|gifts?|prizes?|"
          r"rewards?|skins?|robux|vbucks|giveaway|drop|card|code|items|inventory)\b"),
    _rule("gift", "first to click wins", 0.8,
          "first + claim click grab take open join react redeem message dm",
          r"\bfirst (?:\d+ |one |few |person |people |users? )*(?:to|who) (?:claim|click|grab|"
          r"take|open|join|react|redeem|message|dm)\b"),
    _rule("gift", "gives away skins or items", 0.4,
          "giving give giveaway quitting leaving retiring + skin skins inventory items knives "
          "knife account",
          r"\b(?:giving away|give away|giveaway of|quitting|leaving|retiring from)\b(?: "
          r"\S+){0,5} (?:skins?|inventory|items|knives|knife|account)\b"),
    _rule("gift", "offers free currency", 0.4,
          "free unlimited + robux vbucks v gift giftcard giftcards cs2 csgo steam",
          r"\b(?:free|unlimited) (?:robux|vbucks|v bucks|gift ?cards?|cs2 skins|csgo skins|"
          r"steam (?:gift|wallet|codes?|keys?))\b"),
    _rule("gift", "offers a generator", 1.0,
          "generator gen hack glitch + robux vbucks nitro gift giftcard giftcards card cards",
          r"\b(?:robux|vbucks|nitro|gift ?cards?) (?:generator|gen|hack|glitch)\b"),
    _rule("gift", "says a brand is giving things away", 0.4,
          "giving gives gifting + steam epic discord twitch roblox xbox psn amazon",
          r"\b(?:steam|epic|discord|twitch|roblox|xbox|psn|amazon) (?:is |are )?(?:giving|"
          r"gives|gifting)\b"),
    _rule("gift", "left you a gift", 0.8, "gift present + left sent got for expires open",
          r"\b(?:left|sent|got) (?:you|u) (?:a |an )?(?:gift|present)\b|\bgift\b(?: \S+){0,4} "
          r"(?:for you|for u|expires|before it expires|open it)\b"),
    # --- fake staff, fake partnerships ---
    _rule("staff", "poses as staff", 0.4,
          f"{_BRAND_WORDS} + staff team support trust moderation moderators security admin "
          f"admins administration partner partnership partnerships",
          rf"\b{_BRANDS} (?:staff|team|support|trust (?:and )?safety|moderation|moderators|"
          rf"security|admins?|administration|partner program|partnership team|partnerships)\b"),
    _rule("staff", "threatens your account", 0.4,
          "your ur + disabled banned suspended terminated deleted locked flagged reported "
          "compromised restricted hacked limited closed removed demonetized",
          r"\b(?:your|ur) (?:account|channel|profile|discord|steam|twitch|acc|server)\b(?: "
          r"\S+){0,6} (?:will be|has been|have been|was|is being|is|got|are|were) (?:\S+ "
          r")?(?:disabled|banned|suspended|terminated|deleted|locked|flagged|reported|"
          r"compromised|restricted|hacked|limited|closed|removed|demonetized)\b"),
    _rule("staff", "official notice", 0.6, "notice message warning notification alert + from",
          r"\b(?:notice|message|warning|notification|alert) from (?:the )?(?:discord|twitch|"
          r"steam|roblox|epic|moderation|support|security|admin|staff)"),
    _rule("staff", "recruits partners", 0.4,
          "looking searching interested recruiting hiring + partner partners streamers "
          "promoters sponsor sponsors sponsorship sponsored sponsoring collab collabs "
          "collaboration collaborations ambassador ambassadors",
          r"\b(?:we|i)(?: are| am|re|m)? (?:a )?(?:\S+ ){0,3}(?:looking|searching|interested|"
          r"recruiting|hiring)\b(?: \S+){0,6} (?:partners?|streamers|promoters|sponsor\w*|"
          r"collab\w*|ambassadors?)\b"),
    _rule("staff", "offers a deal", 0.4, "deal offer opportunity program request proposal paid",
          r"\b(?:partner(?:ship)?|sponsor(?:ship|ed)?|collab(?:oration)?|brand|business|"
          r"promotion|promo|marketing) (?:deal|offer|opportunity|program|request|proposal)\b|"
          r"\bpaid (?:collab\w*|promotion|promo|partnership|sponsorship|post|review)\b"),
    _rule("staff", "sells promotion", 0.4,
          "promotion promo marketing growth exposure shoutout shoutouts + offer offers "
          "offering offered provide provides providing provided sell sells selling seller",
          r"\b(?:offer|provide|sell)\w* (?:\S+ ){0,2}(?:promotion|promo|marketing|growth|"
          r"exposure|shoutouts?)\b"),
    _rule("staff", "says you were reported by mistake", 1.0,
          "accidentally accidently mistakenly accident mistake + reported report banned flagged",
          r"\b(?:accidentally|accidently|mistakenly|by accident|by mistake)\b(?: \S+){0,3} "
          r"(?:reported|report|banned|flagged)\b|\breported (?:you|your account|ur account) "
          r"(?:by accident|by mistake|accidentally)"),
    _rule("verify", "asks for a password or code", 1.0,
          "password passcode code 2fa factor + send give tell share dm type enter",
          r"\b(?:send|give|tell|share|dm|type|enter)\b(?: \S+){0,3} (?:your |the |ur "
          r")?(?:password|passcode|\d digit code|2fa|two factor|auth code|security code|"
          r"verification code|sms code|login code|code you got)"),
    _rule("staff", "says you were selected", 0.4,
          "qualify qualified selected chosen eligible won congratulations + you youre",
          r"\byou (?:have |ve )?(?:qualify|qualified|been selected|been chosen|are eligible|re "
          r"eligible|won)\b|\byoure eligible\b|\bcongratulations you\b"),
    _rule("staff", "sets a deadline", 0.4, "within before next",
          r"\b(?:appeal|verify|confirm|respond|reply)\b(?: \S+){0,3} (?:within|in the next|"
          r"before) \d+ ?(?:h|hr|hrs|hours|minutes|mins|days)\b|\bwithin \d+ ?(?:h|hrs?|hours)\b"),
    _rule("staff", "offers money for promotion", 0.6, "pay + we i + #money",
          rf"\b(?:we|i) (?:will |ll |can )?pay (?:you )?{_MONEY}"),
    _rule("staff", "asks for your details", 0.6,
          "send + email e number phone password login details info wallet address",
          r"\bsend (?:us|me) (?:your|ur) (?:email|e mail|number|phone|password|login|details|"
          r"info|wallet|address)\b"),
    # --- crypto and easy money ---
    _rule("crypto", "crypto giveaway", 0.4,
          f"{_COIN_WORDS} + giveaway airdrop air double doubled doubling triple tripled 2x x2 "
          f"free bonus claim reward gift giving give",
          rf"\b{_COINS}\b(?: \S+){{0,3}} (?:giveaway|airdrop|air drop|double|doubled|free|"
          rf"bonus|claim|reward|gift)\b|\b(?:doubled?|doubling|tripled?|2x|x2)\b (?:\S+ "
          rf"){{0,2}}{_COINS}\b|\b(?:giving away|give away|giveaway|airdrop|free) (?:\S+ "
          rf"){{0,2}}{_COINS}\b"),
    _rule("crypto", "send some, get double back", 1.2,
          "send + back double doubled twice x2 2x triple return",
          r"\bsend\b(?: \S+){0,8} (?:and |to )?(?:receive|get|i ll send|ill send|i will send|i "
          r"double|ill double|i ll double)\b(?: \S+){0,4} (?:back|double|doubled|twice|x2|2x)\b|"
          r"\bsend (?:me )?\S+ (?:\S+ )?and (?:i|ill|i ll|i will) (?:double|triple|send back|"
          r"return)\b"),
    _rule("crypto", "DM me to earn", 1.1,
          f"{_DM} + me us + earn earns earned earning earnings learn learning make making "
          f"invest investing investment profit profits income teach show money rich crypto "
          f"forex trading cash",
          r"\b(?:d ?m|dms|inbox|message|msg|text|contact|pm|hmu|write) (?:me|us)\b(?: "
          r"\S+){0,5} (?:earn|learn|make|invest|profit|income|teach|show|money|rich|crypto|"
          r"forex|trading|cash)\w*"),
    _rule("crypto", "earn money, DM me", 1.1,
          f"{_DM} + me us + earn earns earned earning earnings make making profit income money",
          r"\b(?:earn\w*|make|making|profit|income|money)\b(?: \S+){0,8} (?:d ?m|dms|inbox|"
          r"message|msg|text|contact|pm) (?:me|us)\b"),
    _rule("crypto", "promises earnings", 0.4,
          "earn earned earning make made making profit profited paid + day daily week weekly "
          "hour hours month monthly 24h 48h + #money",
          rf"\b(?:earn|earned|earning|make|made|making|profit|profited|get paid|got paid)\b "
          rf"(?:\S+ ){{0,4}}{_MONEY}(?: \S+){{0,3}} (?:a |per |every |each |in |this |in a |in "
          rf"one |in 1 )?(?:day|daily|week|weekly|hour|hours|month|monthly|24h|48h|48 hours|24 "
          rf"hours)\b"),
    _rule("crypto", "get-rich pitch", 0.4,
          "passive financial freedom work home phone couch signals signal investment binary "
          "forex trading method guaranteed profit return roi gains gain rich money hustle "
          "experience cash $$ $$$ $$$$",
          r"\b(?:passive income|financial freedom|work from home|from (?:your |the |their |my "
          r")?(?:home|phone|couch)|signals? (?:group|channel)|investment (?:platform|"
          r"opportunity|plan|manager|expert)|binary options|forex|trading method|simple method|"
          r"guaranteed (?:profit|returns?|income)|\d{2,} ?% (?:profit|return|roi|gains?)|get "
          r"rich|make money online|side hustle|no experience (?:needed|required)|(?:make|earn) "
          r"(?:\S+ ){0,2}(?:\$\$+|money|cash) (?:fast|quick|quickly|easy|easily|online|from "
          r"home|today))\b"),
    _rule("crypto", "invest a little, get a lot", 1.2, "invest deposit put + #money",
          r"\b(?:invest|deposit|put in)\b (?:\S+ ){0,2}\S*\d\S*(?: \S+){0,4} (?:get|receive|"
          r"return|earn|make|turn into)\b (?:\S+ ){0,2}\S*\d"),
    _rule("crypto", "asks to connect a wallet", 0.4,
          "connect seed recovery private + wallet metamask phantom phrase key",
          r"\bconnect (?:your|ur) (?:wallet|metamask|phantom)\b|\b(?:seed phrase|recovery "
          r"phrase|private key)\b"),
    _rule("crypto", "offers to teach money-making", 0.9,
          "teach show help + earn make trade invest profit rich",
          r"\b(?:i ll|ill|i will|let me|i can|we ll|we will) (?:teach|show|help) (?:you|u) "
          r"(?:how )?(?:to )?(?:earn|make|trade|invest|profit|get rich)"),
    _rule("crypto", "trading expert", 0.6,
          "expert trader manager broker + message dm contact text inbox",
          r"\b(?:expert|trader|account manager|broker)\b(?: \S+){0,4} (?:message|dm|contact|"
          r"text|inbox)"),
    _rule("crypto", "start earning", 0.4, "start + earning making investing trading",
          r"\bstart (?:earning|making money|investing|trading)\b"),
    # --- account-verification phishing ---
    _rule("verify", "asks you to verify an account", 0.4,
          f"{_VERIFY} + account identity age email wallet ownership profile human badge role bot",
          r"\b(?:verify|verification|confirm|authenticate|reactivate|validate|unlock)\w*\b(?: "
          r"\S+){0,3} (?:account|identity|age|email|wallet|ownership|profile|human|badge|role|"
          r"not a bot)\b"),
    _rule("verify", "log in to claim", 0.8,
          f"{_LOGIN} + claim verify receive confirm keep unlock get redeem collect",
          r"\b(?:log ?in|sign ?in)\b(?: \S+){0,4} (?:to|and) (?:\S+ ){0,2}(?:claim|verify|"
          r"receive|confirm|keep|unlock|get|redeem|collect)\b"),
    _rule("verify", "scan a QR code to log in", 0.9,
          "scan scanning scanned scans + verify login log claim human sign auth authenticate "
          "authentication authorize",
          r"\bscan\w*\b(?: \S+){0,8} (?:verify|login|log in|claim|human|sign in|auth\w*)\b"),
    _rule("verify", "log in with a platform", 0.4, f"{_LOGIN} + steam discord twitch",
          r"\b(?:log|sign) ?in with (?:steam|discord|twitch)\b"),
    _rule("verify", "demands verification", 0.4,
          "must need have required please pls + verify confirm authenticate validate",
          r"\b(?:must|need to|have to|required to|please|pls) (?:verify|confirm|authenticate|"
          r"validate)\b"),
    _rule("verify", "security alert", 0.4,
          "action suspended security unusual suspicious confirm reset + required suspended "
          "account alert activity login trade trades purchase identity here",
          r"\b(?:action required|account suspended|security alert|unusual activity|suspicious "
          r"(?:activity|login|trades?|purchase)|confirm your identity|reset (?:it )?here)\b"),
)  # fmt: skip

_CONTACT = _rule(
    "cta",
    "asks for contact",
    0.8,
    "dm d dms inbox pm hmu message msg text contact add write hit ask check see open reply "
    "whatsapp telegram signal wechat snapchat kik t",
    r"\b(?:d ?m|dms|inbox|pm|message|msg|text|contact|add|write|hit|ask) (?:me|us)\b|\bhmu\b"
    r"|\b(?:check|see|open) (?:your|ur) (?:dms?|inbox|messages|pms?)\b|\breply to (?:this|my)\b"
    r"|\b(?:whatsapp|telegram|signal|wechat|snapchat|kik)\b|\bt me\b",
)
_PHONE = re.compile(r"\+?\d[\d ]{8,}\d")
_EMAIL = re.compile(skeleton_pattern(r"@ ?(?:gmail|outlook|hotmail|yahoo|proton\w*)\b"))
_PRESSURE = _rule(
    "cta",
    "pressures to act",
    0.5,
    "click hurry limited expires expire expiring before first act dont don only last grab get "
    "claim redeem verify go visit register sign login log appeal apply reset confirm join",
    r"\b(?:click|hurry|limited time|expires?|expiring|before it s gone|first \d+|act now"
    r"|dont miss|don t miss|only today|last chance|grab it|get yours|get it now)\b"
    r"|\b(?:claim|redeem|verify|go|visit|register|sign up|login|log in|appeal|apply|reset"
    r"|confirm|join) (?:it |yours |them )?(?:here|below|now|fast|quickly)\b",
)
# "never click free nitro links": a warning about the scam, not the scam.
_WARNING = _rule(
    "cta", "warns about a scam", 0.0,
    "never dont don do not stop careful beware ignore report is are always its it probably "
    "obviously",
    r"\b(?:never|dont|don t|do not|not|stop|careful|beware|ignore|report)"
    r" (?:ever )?(?:click|claim|redeem|open|scan|log ?in|sign ?in|verify|trust|fall for|send)"
    r"|\b(?:is|are|always|its|it s|probably|obviously) (?:a )?(?:scam|scams|fake|phishing)\b",
)  # fmt: skip


def _applies(rule: Rule, text: str, words: frozenset[str] | set[str]) -> bool:
    """Whether ``rule`` matches: anchors first (cheap), then the regex."""
    if any(group.isdisjoint(words) for group in rule.anchors):
        return False
    if rule.money and _MONEY_SIGN.search(text) is None:
        return False
    return rule.pattern.search(text) is not None


# Every (rule, anchor group) pair gets one bit; a word carries the bits of the groups it is in.
# A rule is a candidate when the message's words together carry all of the rule's bits, so the
# gate costs one OR per word present and one AND per rule, before any regex runs.
_WORD_BITS: dict[str, int] = {}
_REQUIRED: list[int] = []
_BY_ANCHOR: dict[str, tuple[int, ...]] = {}  # first-group word -> rule indexes
_bit = 0
for _index, _r in enumerate(RULES):
    _need = 0
    for _group in _r.anchors:
        for _w in _group:
            _WORD_BITS[_w] = _WORD_BITS.get(_w, 0) | (1 << _bit)
        _need |= 1 << _bit
        _bit += 1
    _REQUIRED.append(_need)
    for _w in _r.anchors[0]:
        _BY_ANCHOR[_w] = (*_BY_ANCHOR.get(_w, ()), _index)
ANCHORS = frozenset(_BY_ANCHOR)
_ALL_WORDS = frozenset(_WORD_BITS)


def candidates(tokens: Iterable[str]) -> list[Rule]:
    """Rules whose every anchor group has a word among ``tokens``."""
    hit = ANCHORS.intersection(tokens)
    if not hit:
        return []
    present = 0
    for word in _ALL_WORDS.intersection(tokens):
        present |= _WORD_BITS[word]
    seen = 0
    for word in hit:
        for index in _BY_ANCHOR[word]:
            need = _REQUIRED[index]
            if present & need == need:
                seen |= 1 << index
    # In RULES order, whatever the order of the set: among rules of equal score, the reason
    # shown must not depend on the string hash seed of the process.
    found: list[Rule] = []
    while seen:
        low = seen & -seen
        found.append(RULES[low.bit_length() - 1])
        seen ^= low
    return found


class ScamMatch(NamedTuple):
    category: str
    score: float
    reason: str


def match_scam(text: str, tokens: Iterable[str], *, link: bool) -> ScamMatch | None:
    """Score ``text`` (match text with single spaces) against the scam shapes.

    ``tokens`` are its words; ``link`` says whether it carries a link that is not allowlisted.
    """
    rules = candidates(tokens)
    if not rules:
        return None
    words = tokens if isinstance(tokens, frozenset | set) else frozenset(tokens)
    best: dict[str, tuple[float, int, str]] = {}
    for rule in rules:
        if rule.money and _MONEY_SIGN.search(text) is None:
            continue
        if rule.pattern.search(text) is None:
            continue
        top, count, reason = best.get(rule.category, (0.0, 0, ""))
        if rule.score > top:
            top, reason = rule.score, rule.reason
        best[rule.category] = (top, count + 1, reason)
    if not best or _applies(_WARNING, text, words):
        return None
    # The strongest category, plus a little for every other rule that agrees.
    category, (top, count, reason) = max(
        best.items(), key=lambda kv: kv[1][0] + 0.2 * (kv[1][1] - 1)
    )
    others = sum(n for _, n, _ in best.values()) - count
    score = min(1.5, top + 0.2 * (count - 1) + 0.2 * others)
    extras = []
    if link:
        score += _LINK_BONUS.get(category, LINK_BONUS)
        extras.append("with a link")
    if _contact(text, words):
        score += CONTACT_BONUS
        extras.append("asks for contact")
    if _applies(_PRESSURE, text, words):
        score += PRESSURE_BONUS
        extras.append("pressures to act")
    if extras:
        reason = f"{reason} ({', '.join(extras)})"
    return ScamMatch(category, round(min(MAX_SCORE, score), 2), reason)


def _contact(text: str, words: frozenset[str] | set[str]) -> bool:
    """A way to reach someone off-platform: a DM request, a messenger, a phone, an email."""
    if not _CONTACT.anchors[0].isdisjoint(words) and _CONTACT.pattern.search(text):
        return True
    if "@" in text and _EMAIL.search(text):
        return True
    return (
        len(words) >= 2 and _MONEY_SIGN.search(text) is not None and _PHONE.search(text) is not None
    )
