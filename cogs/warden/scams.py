"""Scam shapes: what the bait says, and whether it asks you to act.

A *bait* rule recognises a topic scammers use (selling viewers, free Nitro, "Discord staff",
crypto giveaways, "verify your account"). Most bait alone is ordinary chat ("is nitro worth
it?", "twitch staff banned him?") and scores below the flag line. A *call to action* turns it
into a scam: a link that is not allowlisted, a way to contact someone off-platform ("DM me",
Telegram, a phone number), or pressure ("claim", "first 5 people", "expires"). A few rules are
complete shapes on their own ("send 0.1 BTC and receive 0.2 back", "type your 12 word recovery
phrase") and score high alone. Bait touched twice without a call to action stays below the line.
A report or a warning ("someone was selling followers, I reported them", "never click free nitro
links") is not the scam. Self-promotion ("promo") and adverts ("ad") are not scams at all: they
stay below the flag line until they carry a link, a channel link or (self-promotion) a handle.
The main shapes are also written in Portuguese, Spanish, German, French, Russian and a few more
languages (:data:`FOREIGN_RULES`), with their contact requests ("me chama", "пишите в лс").

Rules run on match text (:func:`cogs.warden.normalize.match_text`: lowercase, folded, spaces
collapsed, ``l`` read as ``i``), and a rule's regex runs only when each of its anchor word groups
has a word among the message's tokens: ordinary chat costs a set intersection, not regexes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from cogs.warden.normalize import skeleton, skeleton_pattern

# A link that is not allowlisted makes bait a scam. Self-promotion takes a smaller bonus, from
# any link to a channel, video or invite as well (allowlisted sites host channels too).
LINK_BONUS = 1.0
_SOFT = {"promo": 0.6, "ad": 0.3}  # categories that are not scams, and their link bonus
SOFT_CAP = 0.5  # what they score without a link: below the flag line
BAIT_MAX = 0.6  # rules scoring less are bait: a topic, not yet a scam
# Promotion of the author's own channel: with a handle ("@name") it is spam, as with a link.
_SELF_PROMOTION = frozenset(
    {"promotes a channel", "asks to be followed", "names their own channel", "says they stream",
     "asks for follow-for-follow", "points to a bio link", "announces new content",
     "asks for likes and subs"}
)  # fmt: skip
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
_BRANDS = (
    r"(?:discord|twitch|steam|roblox|epic|valve|paypal|youtube|tiktok|instagram|"
    r"streamelements|streamlabs|kick)"
)
_BRAND_WORDS = (
    "discord twitch steam roblox epic valve paypal youtube tiktok instagram "
    "streamelements streamlabs kick"
)
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
          r"(?:stream|channel|twitch|audience|content|account|profile|live|server|discord|page|"
          r"socials|instagram|insta|tiktok|youtube)\b"),
    # An offer, not a report: "selling primes..." opening the message, or "I/we sell".
    # "someone was selling followers" is the weaker bait rule above.
    _rule("viewers", "sells primes, subs or followers", 1.0, f"selling sell + {_AUDIENCE}",
          rf"(?:^|\b(?:i|we|im|i m|i am|we re|we are|ive|i ve|we ve|now|also|still)\b "
          rf"(?:(?!not |never |dont )\S+ )?)(?:selling|sell) (?:\S+ ){{0,3}}{_AUD}\b"),
    _rule("viewers", "prices an audience", 1.0, f"{_AUDIENCE} + #money",
          rf"\b{_AUD}\b.{{0,30}}{_PRICE}|{_PRICE}.{{0,30}}\b{_AUD}\b"),
    _rule("viewers", "delivers viewers", 0.8,
          f"{_AUDIENCE} + deliver delivers delivered delivery delivering instant instantly "
          f"guaranteed guarantee drop real active safe livraison entrega lieferung sofort "
          f"instantanee instantanea instantaneo",
          rf"\b{_AUD}\b.{{0,40}}\b(?:deliver\w*|instant\w*|guaranteed|no drop|real and active|"
          rf"active and real|100 safe|safe and|livraison|entrega\w*|lieferung|sofort\w*)\b"
          rf"|\bguarantee\w* (?:\S+ ){{0,3}}{_AUD}\b"),
    _rule("viewers", "offers an audience by message", 1.0,
          f"dm message msg hmu contact text write inbox + {_AUDIENCE}",
          rf"\b(?:dm|message|msg|contact|text|write|inbox) (?:me|us) (?:for|4) (?:\S+ )?{_AUD}\b"
          rf"|\bhmu (?:for|4) (?:\S+ )?{_AUD}\b"),
    _rule("viewers", "sells an audience package", 0.6,
          f"package packages bundle bundles plan plans service services + {_AUDIENCE}",
          rf"\b{_AUD}\b.{{0,40}}\b(?:packages?|bundles?|plans?|services?)\b"),
    _rule("viewers", "promises affiliate or partner", 0.4, "affiliate partner",
          r"\b(?:get|reach|become) (?:\S+ )?(?:affiliate|partner)\b(?: \S+){0,3} (?:in|within) "
          r"\d+|\b(?:affiliate|partner) (?:in|within) \d+ ?(?:h|hrs?|hours|days)\b"),
    _rule("promo", "asks for follow-for-follow", 1.0,
          "sub follow like subasub subforsub followafollow followforfollow likealike "
          "likeforlike f4f s4s faf sas",
          r"\b(?:sub|follow|like) ?(?:4|a|for) ?(?:sub|follow|like)\b|\b(?:f4f|s4s|faf|sas)\b"),
    _rule("promo", "promotes a channel", 0.4,
          "follow sub subscribe check checkout come watch visit join raid host support vote "
          "+ me my",
          r"\b(?:follow|sub|subscribe to|check out|checkout|check|come watch|watch|visit|join|"
          r"raid|host|support|vote for)(?: \S+)? (?:me|my)\b(?: \S+){0,3} (?:channel|stream|"
          r"twitch|youtube|yt|tiktok|page|insta|instagram|server|discord|content|mixtape|shop|"
          r"store|art|music|clips?|videos?|project|bio|website|site|blog|onlyfans|merch|podcast|"
          r"kick|soundcloud|spotify|link|profile)\b"),
    _rule("promo", "asks to be followed", 0.4, "follow sub subscribe following join raid",
          r"\b(?:follow|sub|subscribe) (?:to )?me\b|\b(?:i )?(?:follow|following|sub) back\b"
          r"|\bfollow (?:me |us )?(?:for|4)\b|^(?:join|follow|sub to|subscribe to|raid) (?:my |"
          r"our )?(?:discord|twitch|youtube|yt|kick|tiktok|instagram|insta|server|channel|stream|"
          r"page)\b"),
    _rule("promo", "names their own channel", 0.4,
          "my + channel stream page shop store website site blog onlyfans discord mixtape "
          "merch podcast soundcloud twitch youtube yt tiktok insta instagram kick commissions",
          # Not "server": "my server runs debian, see wiki.debian.org" is hosting talk (an
          # invite or "join my server" is promotion: cogs.warden.shapes).
          r"\bmy (?:(?:new|own|main|twitch|youtube|yt|tiktok|kick|art|music) ){0,2}(?:channel|"
          r"stream|page|shop|store|website|site|blog|onlyfans|discord|mixtape|merch|"
          r"podcast|soundcloud|twitch|youtube|yt|tiktok|insta|instagram|kick|commissions)\b"
          r"(?! (?:account|acc|app|password|login|settings|notifications|client|keeps|is down|"
          r"crashed|broke))"),
    _rule("promo", "points to a bio link", 0.6, "bio",
          r"\b(?:links?|info) in (?:my )?bio\b|\b(?:check|click|see|visit) (?:my |the )?bio\b"),
    _rule("promo", "mentions a bio", 0.4, "bio", r"\bin (?:my )?bio\b"),
    _rule("promo", "asks for likes and subs", 0.4, "subscribe sub smash leave drop like",
          r"\blike and (?:sub|subscribe)\b|\bsmash (?:that|the) (?:like|sub)"
          r"|\b(?:leave|drop) (?:a |me a )?like\b"),
    _rule("promo", "announces new content", 0.4,
          "new + video vid song track single album ep mixtape music merch episode upload videos "
          "vids songs tracks singles albums episodes uploads + out up dropped live",
          r"\bnew (?:video|vid|song|track|single|album|ep|mixtape|music|merch|episode|upload)s? "
          r"(?:is |are |just )?(?:out|up|dropped|live)\b"),
    _rule("promo", "sends chat to another channel", 0.4,
          "watch follow sub subscribe check raid join + go come everyone everybody chat guys pls "
          "please yall",
          r"\b(?:go|come|everyone|everybody|chat|guys|pls|please|y all|yall) (?:go |come )?"
          r"(?:watch|follow|sub to|subscribe to|check out|raid|join)\b"),
    _rule("promo", "says they stream", 0.4,
          "stream streaming live + i we im",
          r"\b(?:i|we) (?:also )?stream\b|\b(?:i m|im|i am|we re|we are) (?:\S+ )?(?:live|"
          r"streaming)\b|\b(?:live|streaming) now on\b|\bnow live on\b"),
    _rule("promo", "pushes a referral code", 0.4,
          "code referral ref promo link + use enter with",
          r"\b(?:use|enter|with) (?:my |the )?(?:code|referral|ref|promo code|ref code|referral "
          r"code|link)\b"),
    # An advert: harmless words alone, an ad next to a link (the "ad" link bonus is small).
    _rule("ad", "advertises deals", 0.3,
          "cheap cheapest off prices price shipping discount buy order shop",
          r"\b(?:cheap|cheapest|\d+ ?% off|best prices?|lowest prices?|free shipping|discount "
          r"codes?|buy now|order now|shop now)\b"),
    # Marketing copy: "the best chairs of 2026", "new compilations daily", "free VIP rank".
    _rule("ad", "reads like an advert", 0.3,
          "best top new daily weekly free uptime",
          r"\bbest (?:\S+ ){1,3}of (?:the (?:week|month|year)|20\d\d)\b|\btop \d+ (?:best )?\S+"
          r"|\bnew (?:\S+ )?(?:videos|clips|compilations|content|uploads|episodes|memes|drops) "
          r"(?:daily|every day|weekly|every week)\b|\b(?:daily|weekly) (?:uploads|videos|"
          r"compilations|giveaways)\b|\bfree (?:vip|rank|ranks|premium) (?:rank |for )?"
          r"|\b24 7 uptime\b"),
    # --- free Nitro, gifts, skins ---
    _rule("gift", "offers free Nitro", 0.4, "nitro",
          r"\bfree ?(?:discord )?nitro\b|\bnitro\b(?: \S+){0,3} (?:for )?free\b|\bnitro "
          r"(?:giveaway|gift|drop|generator|gen)\b"),
    # A story ("I accidentally bought nitro twice, support refunded me") is bait; the scam hands
    # the "spare" to chat.
    _rule("gift", "mentions an accidental purchase", 0.4, "accidentally accidently mistakenly",
          r"\b(?:accidentally|accidently|mistakenly) (?:bought|purchased|got|ordered)\b(?: "
          r"\S+){0,4} (?:nitro|gifts?|subscriptions?|codes?|keys?)"),
    _rule("gift", "gives away an accidental purchase", 1.2, "accidentally accidently mistakenly",
          r"\b(?:accidentally|accidently|mistakenly) (?:bought|purchased|got|ordered)\b(?: "
          r"\S+){0,4} (?:nitro|gifts?|subscriptions?|codes?|keys?)\b.{0,80}\b(?:first|who wants|"
          r"anyone want|anybody want|take it|grab it|claim|giving|dm me|free|here|link)"),
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
          "free unlimited + robux vbucks v gift giftcard giftcards cs2 csgo steam skin skins "
          "case cases spin spins crate crates loot lootboxes knives knife cs gems coins diamonds "
          "crystals credits primogems stuff items loot",
          r"\b(?:free|unlimited) (?:robux|vbucks|v bucks|gift ?cards?|cs2 skins|csgo skins|"
          r"steam (?:gift|wallet|codes?|keys?))\b|\bfree (?:cs2 |csgo |cs )?(?:skins?|cases?|case "
          r"openings?|spins?|crates?|loot ?boxes|knives|knife|gems|coins|diamonds|crystals|"
          r"credits|primogems|stuff|items|loot)\b"),
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
          f"staff team support trust moderation moderators security admin admins "
          f"administration partner partnership partnerships + {_BRAND_WORDS}",
          rf"\b{_BRANDS} (?:\S+ )?(?:staff|team|support|trust (?:and )?safety|moderation|"
          rf"moderators|security|admins?|administration|partner program|partnership team|"
          rf"partnerships)\b"),
    _rule("staff", "claims to speak for a brand", 0.4,
          f"from working + {_BRAND_WORDS}",
          rf"\b(?:i m|im|i am|we re|we are|were|this is) (?:from|working for|working with) "
          rf"(?:the )?{_BRANDS}\b"),
    _rule("staff", "threatens your account", 0.4,
          "disabled banned suspended terminated deleted locked flagged reported compromised "
          "restricted hacked limited closed removed demonetized + your ur",
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
          r"\b(?:we|i)(?: are| am|re|m)? (?:a |an )?(?:\S+ ){0,4}(?:looking|searching|interested|"
          r"recruiting|hiring)\b(?: \S+){0,6} (?:partners?|streamers|promoters|sponsor\w*|"
          r"collab\w*|ambassadors?)\b"),
    _rule("staff", "offers a sponsorship", 0.4,
          "sponsor sponsoring collab partner + you u your ur",
          r"\b(?:sponsor|sponsoring|collab with|partner with) (?:you|u|your (?:stream|channel)|"
          r"ur (?:stream|channel))\b"),
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
          "versehen versehentlich error querer engano erreur accidentellement sbaglio przypadek "
          "yanlislikla случайно випадково بالغلط بالخطأ + gemeldet reportado reportei reporte "
          "denunciado denuncie denunciei signale segnale segnalato zglosilem sikayet пожаловался "
          "зарепортил поскаржився بلغت",
          r"\b(?:aus versehen|versehentlich|por error|sin querer|sem querer|por engano|par erreur|"
          r"accidentellement|per sbaglio|przez przypadek|yanlislikla|случайно|випадково)\b"
          r"(?: \S+){0,5} (?:gemeldet|reportado|reportei|reporte|denunciado|denuncie|denunciei|"
          r"signale|"
          r"segnalato|zglosilem|sikayet ettim|пожаловался|зарепортил|поскаржився)\b|\b(?:gemeldet|"
          r"reportado|reportei|reporte|denunciado|denuncie|signale|segnalato|zglosilem)(?: \S+)"
          r"{0,3} (?:aus versehen|versehentlich|por error|sin querer|sem querer|por engano|"
          r"par erreur|per sbaglio|przez przypadek)\b|\b(?:denunciei|reportei)(?: \S+){0,4} "
          r"(?:sem querer|por engano)\b|بلغت(?: \S+){0,4} (?:بالغلط|بالخطأ)"),
    _rule("verify", "asks for a BLIK code", 1.0,
          "blik + kod kodu code + wyslij podaj przeslij send daj dawaj",
          r"\b(?:wyslij|podaj|przeslij|send|daj|dawaj)\b(?: \S+){0,3} (?:kod|kodu|code)\b"),
    _rule("gift", "asks a winner to pay the shipping", 0.4,
          "pay pague paga pagar zaplac ode + shipping frete envio delivery customs dostawe kargo",
          r"\b(?:pay|pague|paga|pagar|zaplac|ode)\b(?: \S+){0,3} (?:the |o |el |a )?"
          r"(?:shipping|frete|envio|delivery fee|customs fee|customs|dostawe|kargo)\b"),
    _rule("crypto", "sent money by mistake, asks for it back", 1.0,
          "mistake error engano pomylke yanlislikla ошибке помилково + can could would please "
          "pls plz puedes podes pode podrias mozesz можешь можете можеш oddaj верни поверни",
          r"\b(?:by mistake|by accident|accidentally|por error|por engano|sem querer|przez "
          r"pomylke|yanlislikla|по ошибке|помилково)\b(?: \S+){0,8} (?:(?:(?:can|could|would) "
          r"you|please|pls|plz|puedes|podes|pode|podrias|mozesz|можешь|можете|можеш)(?: \S+){0,3} "
          r"(?:send|return|pay|devolver|devolve|oddac|вернуть|повернути)|oddaj mi|верни|"
          r"поверни)\b"),
    _rule("malware", "asks to test their game", 0.4,
          "test testen testar tester probar przetestowac try + game spiel jogo jeu juego gre "
          "gra app",
          r"\b(?:test|try|play test|playtest|testen|testar|tester|probar|przetestowac)\b(?: \S+)"
          r"{0,2} (?:my|mein|meinen|mi|meu|mon|ma|moja|moje) (?:new |neues |nuevo |novo )?"
          r"(?:game|spiel|juego|jogo|jeu|gre|gra|app)\b|\b(?:mein|my|mi|meu|mon) (?:spiel|game|"
          r"juego|jogo|jeu) (?:testen|test|probar|testar|tester)\b"),
    _rule("crypto", "asks a fee to start a job", 0.4,
          "activation registration membership joining processing starter + fee fees muna first",
          r"\b(?:activation|registration|membership|joining|processing|starter) (?:fee|fees|"
          r"muna|first)\b"),
    _rule("staff", "threatens to cut the power", 1.0,
          "electricity power light + disconnected disconnect cut + your ur",
          r"\b(?:your|ur) (?:electricity|power|light) (?:connection |supply )?(?:will be|would be|"
          r"is going to be) (?:disconnected|cut|cut off)\b"),
    _rule("ad", "asks to pay first", 0.4, "transfer pay send payment + first upfront",
          r"\b(?:transfer|pay|send (?:the )?(?:money|payment)|payment)(?: \S+){0,2} (?:first|"
          r"upfront|up front)\b"),
    _rule("staff", "says you were reported by mistake", 1.0,
          "accidentally accidently mistakenly accident mistake + reported report banned flagged",
          r"\b(?:accidentally|accidently|mistakenly|by accident|by mistake)\b(?: \S+){0,3} "
          r"(?:reported|report|banned|flagged)\b|\breported (?:you|your account|ur account) "
          r"(?:by accident|by mistake|accidentally)"),
    _rule("verify", "asks for a password or code", 1.0,
          "password passcode code 2fa factor login credentials key token codes details + send "
          "sending give giving tell share sharing dm type enter paste submit provide",
          # Not a game's password: "send me the lobby password", "dm the room password".
          r"\b(?:send|sending|give|giving|tell|share|sharing|dm|type|enter|paste|submit|provide)"
          r"\b(?: (?!iobby|room|wifi|wi |game|party|match|custom|private|zip|rar|fiie)\S+){0,3} "
          r"(?:your |the |ur )?(?:password|passcode|\d digit code|2fa|two factor|"
          r"auth code|security code|verification code|sms code|login code|code you got|login|"
          # Not a coin: "how do I tell if a token contract is legit?"
          r"login details|credentials|stream key|backup codes|token(?! contract| address| price"
          r"| sale| launch| list))\b"),
    _rule("verify", "asks for a seed phrase", 1.5,
          "seed recovery secret mnemonic backup word + phrase words",
          r"\b(?:send|paste|enter|type|share|give|submit|import|dm|post|write|tell|need|needs|"
          r"needed|require|required|verify|confirm)\w*\b(?: \S+){0,5} (?:seed|recovery|secret|"
          r"mnemonic|backup) (?:phrase|words)\b|\b\d{2} word (?:seed |recovery |secret "
          r")?phrase\b"),
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
    # Bait alone (below the flag line), a shape with a link or a contact: phishing pages ask
    # for the numbers that open a bank or a state account, malware for a download and a run.
    _rule("verify", "asks for card, bank or ID numbers", 0.4,
          "card cards cpf pan kyc aadhaar aadhar bvn upi pin cvv cvc otp iban cartao cartoes chave "
          "tarjeta karta karte carte pesel ssn",
          r"\b(?:enter|entering|confirm|confirming|update|updating|submit|provide|fill in|"
          r"send|mandar|manda|envie|enviar|envia|kirim|wyslij|"
          r"register with|activate with|link|verify|share|confirme|confirmar|informe|informar|"
          r"digite|ingresa|introduce|daalein|dalein|daale|wpisz|podaj|eingeben|gib|saisissez|"
          r"renseignez)\b(?: \S+){0,4} (?:card|cards|card details|card number|cpf|pan|kyc|"
          r"pan kyc|aadhaar|aadhar|bvn|upi pin|upi|pin|cvv|cvc|otp|bank details|bank account|"
          r"chave pix|"
          r"iban|cartao|cartoes|tarjeta|karta|karte|carte|pesel|ssn)\b"),
    _rule("malware", "asks to install a download", 0.4,
          "download downloading install installing run + apk exe rpm msi setup installer zip "
          "rar file files assessment predictor crack patch fix pack modpack beta launcher "
          "script",
          r"\b(?:download|downloading|install|installing|run)\b(?: \S+){0,3} (?:the |this |"
          r"our |my )?(?:apk|exe|rpm|msi|setup|installer|zip|rar|file|assessment|predictor|"
          r"crack|patch|fix|pack|mod pack|modpack|beta|launcher|script)\b"),
    _rule("malware", "asks to turn off the antivirus", 0.4,
          "disable disabling turn deactivate pause + antivirus defender av",
          r"\b(?:disable|disabling|turn off|deactivate|pause) (?:your|ur|the)(?: \S+)? "
          r"(?:antivirus|anti virus|defender|av)\b|\bantivirus (?:\S+ ){0,3}(?:flags|"
          r"detects|blocks|deletes) it\b"),
    _rule("gift", "is this you", 0.4,
          "pic pics picture pictures photo photos video videos vid vids + you u",
          r"\bis (?:this|that) (?:you|u) in (?:this|the|that) (?:pic|picture|photo|video|vid|clip)"
          r"|\b(?:pic|picture|photo|video|vid|clip)s? of (?:you|u)\b"),
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
          r"\bsend\b(?: \S+){0,8} (?:and |to )?(?:receive|receives|get|gets|getting|i ll send|"
          r"ill send|i will send|i double|ill double|i ll double)\b(?: \S+){0,4} (?:back|double|"
          r"doubled|twice|x2|2x)\b|\bsend (?:me )?\S+(?: \S+){0,4} and (?:i|ill|i ll|i will) "
          r"(?:double|triple|send back|return)\b"),
    _rule("crypto", "send some coins, receive more", 1.2,
          f"send + receive get + {_COIN_WORDS}",
          rf"\bsend (?:\S+ ){{0,2}}\d\S*(?: \d+)? {_COINS}\b.{{0,60}}\b(?:receive|get)\b "
          rf"(?:\S+ ){{0,2}}\d\S*(?: \d+)? {_COINS}\b"),
    _rule("crypto", "asks for coins to an address", 1.0,
          f"address wallet + send sending + {_COIN_WORDS}",
          r"\bsend\w*\b(?: \S+){0,4} (?:to|into) (?:my|this|our|the following|the) "
          r"(?:address|wallet|btc address|eth address|wallet address)\b"),
    _rule("crypto", "offers to double your coins", 1.0,
          f"double triple multiply + your ur + {_COIN_WORDS} money investment",
          rf"\b(?:double|triple|multiply|2x|10x) (?:your|ur) (?:{_COINS}|money|investment|"
          rf"deposit)\b"),
    _rule("crypto", "DM me to earn", 1.1,
          f"{_DM} + me us + earn earns earned earning earnings learn learning make making "
          f"invest investing investment profit profits income teach show money rich crypto "
          f"forex trading cash",
          r"\b(?:d ?m|dms|inbox|message|msg|text|contact|pm|hmu|write) (?:me|us)\b(?: "
          r"\S+){0,5} (?:earn|learn|make|invest|profit|income|teach|show|money|rich|crypto|"
          r"forex|trading|cash)\w*"),
    _rule("crypto", "earn money, DM me", 1.1,
          f"earn earns earned earning earnings make making profit income money + {_DM} + me us",
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
          r"home|today))\b|\b(?:make|earn|making|earning) (?:\S+ ){0,1}(?:\$\$+|money|cash) "
          r"(?:with|like) (?:me|us)\b"),
    _rule("crypto", "invest a little, get a lot", 1.2, "invest deposit put + #money",
          r"\b(?:invest|deposit|put in)\b (?:\S+ ){0,2}\S*\d\S*(?: \S+){0,4} (?:get|receive|"
          r"return|earn|make|turn into)\b (?:\S+ ){0,2}\S*\d"),
    _rule("crypto", "pumps a token", 0.6,
          "token tokens coin coins presale launch launching listed 100x 1000x 10x x100 x1000 "
          "buy",
          r"\b(?:\d{2,5} ?x|x ?\d{2,5})\b(?: \S+){0,2} (?:guaranteed|gains?|returns?|profits?|"
          r"soon)\b|\b(?:new )?(?:token|coin|presale)\b(?: \S+){0,2} (?:launch\w*|presale|"
          r"listing)\b|\bbuy (?:it )?before (?:it s |its |it is )?(?:listed|launch\w*|pumps?)"
          r"\b"),
    _rule("crypto", "multiplies money", 0.6,
          "turn turned turning flip flipped flipping grow grew multiply multiplied + into",
          r"\b(?:turn\w*|flip\w*|grow\w*|grew|multipl\w*) (?:\S+ ){0,2}(?:[$€£] ?\d\S*|\d\S* "
          r"?(?:[$€£]|usd|usdt|dollars?|bucks|euros?)) (?:\S+ )?into (?:[$€£] ?\d|\d\S* ?(?:[$€£]"
          r"|usd|usdt|dollars?|bucks|euros?|k)\b)"),
    _rule("crypto", "offers to multiply your money", 1.1,
          "turn flip grow multiply double triple + your ur",
          r"\b(?:turn|flip|grow|multiply|double|triple) (?:your|ur) (?:\S+ )?(?:[$€£] ?\d|\d)"),
    _rule("crypto", "offers to teach", 0.4,
          "teach show mentor coach guide + you u",
          r"\b(?:i ll|ill|i will|i can|let me|we ll|we will|i could) (?:teach|show|mentor|coach|"
          r"guide) (?:you|u)\b"),
    _rule("crypto", "sugar daddy offer", 0.4, "sugar",
          r"\bsugar (?:daddy|daddies|mommy|mummy|mama|momma|baby)\b"),
    _rule("crypto", "sugar daddy pays", 1.2, "sugar",
          r"\bsugar (?:daddy|daddies|mommy|mummy|mama|momma|baby)\b.{0,80}\b(?:pay|paying|"
          r"allowance|weekly|bills|cash ?app|venmo|paypal|zelle)"),
    _rule("crypto", "asks for payment details", 1.0,
          "cashapp cash venmo paypal zelle card bank iban + dm send give text message",
          r"\b(?:dm|send|give|text|message) (?:me|us) (?:your|ur) (?:cash ?app|venmo|paypal|"
          r"zelle|card|bank|iban|card details|bank details)\b"),
    _rule("crypto", "sent money by mistake, wants it back", 1.0,
          "sent send paid transferred + mistake accident accidentally wrongly",
          r"\b(?:sent|send|paid|transferred) (?:you|u) (?:\S+ ){0,5}(?:by mistake|by accident|"
          r"accidentally|wrongly)\b.{0,60}\b(?:back|return|refund)"
          r"|\b(?:accidentally|mistakenly) (?:sent|paid|transferred) (?:you|u|to you|to your)\b"
          r".{0,60}\b(?:back|return|refund)"),
    _rule("crypto", "recovers hacked accounts or lost funds", 0.6,
          "recover recovers recovered recovering recovery restore restores unban unbans unlock "
          "+ hacked lost stolen banned disabled locked scammed",
          r"\b(?:recover\w*|restore\w*|unban\w*|unlock\w*|get back)\b (?:\S+ ){0,3}(?:hacked|lost|"
          r"stolen|banned|disabled|locked|scammed) (?:\S+ ){0,3}(?:accounts?|wallets?|crypto|funds|"
          r"coins|money|instagram|snapchat|facebook|tiktok|discord|steam)\b"),
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
    _rule("verify", "log in to claim", 0.4,
          f"{_LOGIN} + claim verify receive confirm keep unlock get redeem collect",
          r"\b(?:log ?in|sign ?in)\b(?: \S+){0,4} (?:to|and) (?:\S+ ){0,2}(?:claim|verify|"
          r"receive|confirm|keep|unlock|get|redeem|collect)\b"),
    _rule("verify", "scan a QR code to log in", 0.9,
          "scan scanning scanned scans + verify login log claim human sign auth authenticate "
          "authentication authorize keep discord steam twitch roblox epic",
          r"\bscan\w*\b(?: \S+){0,8} (?:verify|login|log in|claim|human|sign in|auth\w*|keep "
          r"(?:your|ur) (?:account|acc)|(?:discord|steam|twitch|roblox|epic) app)\b"),
    _rule("verify", "log in with a platform", 0.4, f"{_LOGIN} + steam discord twitch",
          r"\b(?:log|sign) ?in with (?:steam|discord|twitch)\b"),
    _rule("verify", "requires verification", 0.4,
          "verification + age identity account human required needed necessary",
          r"\b(?:age|identity|account|human) verification\b|\bverification (?:is )?(?:required|"
          r"needed|necessary)\b"),
    _rule("verify", "demands verification", 0.4,
          "verify confirm authenticate validate + must need have required please pls",
          r"\b(?:must|need to|have to|required to|please|pls) (?:verify|confirm|authenticate|"
          r"validate)\b"),
    _rule("verify", "security alert", 0.4,
          "action suspended security unusual suspicious confirm reset + required suspended "
          "account alert activity login trade trades purchase identity here",
          r"\b(?:action required|account suspended|security alert|unusual activity|suspicious "
          r"(?:activity|login|trades?|purchase)|confirm your identity|reset (?:it )?here)\b"),
)  # fmt: skip


# --- the same shapes in other common languages (folded: accents stripped, Cyrillic kept) ---
_F_AUD = (
    "seguidores espectadores inscritos suscriptores visualizacoes visualizaciones vistas "
    "zuschauer abonnenten aufrufe abonnes spectateurs vues spettatori iscritti "
    "visualizzazioni takipci izleyici abone widzow obserwujacych subskrybentow pengikut "
    "penonton зрителей зрители зрителя фолловеров фолловеры подписчиков подписчики "
    "просмотров просмотры лайков глядачів підписників переглядів " + _AUDIENCE + " follower"
)
_F_AUD_RE = "(?:" + "|".join(_F_AUD.split()) + ")"
_F_TRADE = (
    "vendo venda vendemos compre compra comprar barato baratos baratas barata kaufe kauft "
    "kaufen verkaufe verkaufen gunstig gunstige gunstigen billig billige billigen achetez "
    "achete acheter vends vendons cher "
    "comprare economici satilik satilir satılık satılır ucuz kup kupuj sprzedam tanio tanie "
    "jual beli murah "
    "купить купи куплю продаю продам дешево дёшево недорого купити продаж"
)
_F_CHEAP = (
    "barato baratos baratas barata gunstig gunstige gunstigen gunstiger billig billige "
    "billigen billiger cher economici economiche ucuz tanio tanie tanich murah дешево "
    "дёшево недорого дешевые дешёвые недорогие дешеві недорого"
)
_F_EARN = (
    "ganhe ganha ganhar gana gane ganar verdiene verdienen verdienst gagnez gagne gagner "
    "guadagna guadagni guadagnare kazan kazanin zarabiaj zarob zarobek hasilkan dapatkan "
    "заработок заработай заработайте зарабатывай зарабатывайте заработать доход заробіток "
    "заробляй"
)
_F_PERIOD = (
    r"(?:por dia|al dia|ao dia|por semana|a la semana|por mes|al mes|pro tag|am tag|"
    r"taglich|pro woche|die woche|im monat|par jour|par semaine|par mois|al "
    r"giorno|a settimana|al mese|gunde|gunluk|haftada|dziennie|tygodniowo|miesiecznie|"
    r"per hari|sehari|per minggu|в день|в неделю|в месяц|за день|в сутки|на день|"
    r"щодня|на тиждень)"
)
_F_HOME = (
    r"(?:desde casa|de casa|em casa|no celular|pelo celular|von zu hause|von zuhause|de chez "
    r"vous|depuis chez vous|depuis la maison|da casa|evden|z domu|dari rumah|из дома|не "
    r"выходя из дома|без вложений|sin inversion|sem investimento|ohne investition|sans "
    r"investissement|senza investimento|з дому|без вкладень)"
)
_F_SEND = (
    "envia envie mande manda mandame sende schick schicke schickt envoyez envoie envoyer "
    "invia inviate gonder wyslij kirim отправь отправьте отправить пришли пришлите "
    "переведи переведите скинь надішли"
)
_F_RECEIVE = (
    "recibe recibiras recibir reciba receba recebe recebera erhalte erhaltet erhaltst "
    "bekommst bekommt recevez recevras recevrez recois recoit recevoir ricevi riceverai "
    "ricevere "
    "otrzymasz terima получи получите получишь получаете получить отримай отримаєш"
)
_F_BACK = (
    r"(?:de vuelta|el doble|de volta|o dobro|em dobro|zuruck|doppelt|verdoppelt|en retour|"
    r"le double|au double|indietro|il doppio|geri|iki kati|z powrotem|podwojnie|kembali|"
    r"dua kali|обратно|вдвое|вдвойне|удвою|удвоим|назад|x2|2x)"
)


def _words_re(words: str) -> str:
    return "(?:" + "|".join(sorted(set(words.split()), key=len, reverse=True)) + ")"


FOREIGN_RULES: tuple[Rule, ...] = (
    _rule(
        "viewers",
        "sells viewers or followers",
        0.4,
        f"{_F_TRADE} + {_F_AUD}",
        rf"\b{_words_re(_F_TRADE)}\b.{{0,60}}\b{_F_AUD_RE}\b|\b{_F_AUD_RE}\b.{{0,60}}"
        rf"\b{_words_re(_F_TRADE)}\b",
    ),
    _rule(
        "viewers",
        "prices an audience cheaply",
        0.4,
        f"{_F_CHEAP} + {_F_AUD}",
        rf"\b{_words_re(_F_CHEAP)}\b.{{0,60}}\b{_F_AUD_RE}\b|\b{_F_AUD_RE}\b.{{0,60}}"
        rf"\b{_words_re(_F_CHEAP)}\b",
    ),
    _rule(
        "viewers",
        "sells a boost",
        0.6,
        f"накрутка накрутку накрутки накрутим + {_F_AUD}",
        rf"\bнакрут\w*\b.{{0,60}}\b{_F_AUD_RE}\b",
    ),
    _rule(
        "crypto",
        "promises earnings",
        0.4,
        _F_EARN,
        rf"\b{_words_re(_F_EARN)}\b.{{0,60}}(?:{_F_PERIOD}|\d\S* ?(?:[$€£]|usd|eur|euro|"
        rf"euros|dolares|reais|pesos|rubles|рублей|руб|грн|zł|zl|tl|rupiah|rp)\b|[$€£] ?\d)",
    ),
    _rule(
        "crypto",
        "work from home",
        0.4,
        "casa celular hause zuhause chez maison evden domu rumah дома вложений inversion "
        "investimento investition investissement дому вкладень",
        _F_HOME,
    ),
    _rule(
        "crypto",
        "send some, get double back",
        1.2,
        f"{_F_SEND} + {_F_RECEIVE} + #money",
        rf"\b{_words_re(_F_SEND)}\b.{{0,60}}\b{_words_re(_F_RECEIVE)}\b.{{0,50}}"
        rf"(?:{_F_BACK}|\b{_COINS}\b)",
    ),
    _rule(
        "gift",
        "offers free Nitro",
        0.4,
        "nitro нитро",
        r"\b(?:nitro|нитро)\b(?: \S+){0,3} (?:gratis|gratuit|gratuito|kostenlos|бесплатно)\b|"
        r"\b(?:gratis|kostenlos|бесплатн\w*) (?:discord )?(?:nitro|нитро)\b",
    ),
    _rule(
        "verify",
        "asks you to verify an account",
        0.4,
        "verifica verifique verifiziere verifizieren verifiez verifier verify подтвердите "
        "подтверди confirma confirme bestatige confirmez + cuenta conta konto compte account "
        "аккаунт учетную",
        r"\b(?:verifica|verifique|verifizier\w*|verifiez|verifier|подтверд\w*|confirma|"
        r"confirme|bestatige|confirmez)\b(?: \S+){0,2} (?:cuenta|conta|konto|compte|account|"
        r"аккаунт|учетную)\b",
    ),
    _rule(
        "staff",
        "says you were reported by mistake",
        1.0,
        "ongeluk omylem misstag veletlenul greseala בטעות + gerapporteerd gereport nahlasil "
        "nahlasila rapporterade anmalde jelentettelek jelentettem raportat דיווחתי",
        r"\bper ongeluk\b(?: \S+){0,5} (?:gerapporteerd|gereport)\b|\b(?:gerapporteerd|gereport)"
        r"(?: \S+){0,3} per ongeluk\b|\bomylem\b(?: \S+){0,4} nahlasil\w*|\bnahlasil\w*(?: \S+)"
        r"{0,3} omylem\b|\bav misstag\b(?: \S+){0,4} (?:rapporterade|anmalde)\b|\b(?:rapporterade|"
        r"anmalde)(?: \S+){0,3} av misstag\b|\bveletlenul\b(?: \S+){0,3} jelentette\w*|"
        r"\bdin greseala\b(?: \S+){0,4} raportat\b|\braportat(?: \S+){0,3} din greseala\b|"
        r"דיווחתי(?: \S+){0,3} בטעות|בטעות(?: \S+){0,3} דיווחתי",
    ),
    _rule(
        "gift",
        "asks a winner to pay the shipping",
        0.4,
        "phi lipa оплатіть оплатите оплатить сплатіть betaal zaplatte zaplat fizesd platiti "
        "+ chuyen usafirishaji доставку verzendkosten postovne postovneho szallitasi",
        r"\bphi van chuyen\b|\blipa\b(?: \S+){0,5} usafirishaji\b|\b(?:оплатіть|оплатите|"
        r"оплатить|сплатіть)(?: \S+){0,2} доставку\b|\bbetaal\b(?: \S+){0,3} verzendkosten\b|"
        r"\b(?:zaplatte|zaplat)\b(?: \S+){0,3} postovne\w*|\bfizesd\b(?: \S+){0,3} szallitasi\b",
    ),
    _rule(
        "gift",
        "says you won, asks you to pay for the delivery",
        1.0,
        "won umeshinda trung виграли выиграли wygrales ganaste gewonnen ganhou vyhral nyertel "
        "+ pay lipa tra оплатіть оплатите оплатить сплатіть zaplac paga pague pagar betaal "
        "bezahlen zaplatte fizesd",
        r"\b(?:you won|youve won|you have won|umeshinda|ban da trung|ban trung|ви виграли|"
        r"вы выиграли|wygrales|wygralas|ganaste|has ganado|je hebt gewonnen|heb je gewonnen|"
        r"du hast gewonnen|voce ganhou|vyhral jste|vyhrali jste|nyertel)\b.{0,160}\b(?:pay|lipa|"
        r"tra|оплатіть|оплатите|оплатить|сплатіть|zaplac|paga|pague|pagar|betaal|bezahlen|"
        r"zaplatte|fizesd)\b(?: \S+){0,5} (?:the )?(?:shipping|delivery|customs|fee|phi van "
        r"chuyen|usafirishaji|za usafirishaji|доставку|dostawe|envio|frete|verzendkosten|versand|"
        r"postovne|szallitasi)",
    ),
    _rule(
        "crypto",
        "asks a fee to start a job",
        0.4,
        "ada registratiefee inschrijfgeld registracni poplatek regisztracios dij taxa "
        "דמי رسوم هزینه",
        r"\bada ya (?:usajili|kujiunga|uanachama)\b|\b(?:registratiefee|inschrijfgeld)\b|"
        r"\bregistracni poplatek\b|\bregisztracios dij\b|\btaxa de (?:inscriere|inregistrare)\b|"
        r"דמי (?:הרשמה|רישום)|هزینه (?:ثبت نام|عضویت)",
    ),
)
RULES = RULES + FOREIGN_RULES

# Ways to reach someone off-platform, one rule per shape behind its own anchors (a single
# pattern with every alternative costs tens of microseconds on each scam-like message).
_CONTACTS: tuple[Rule, ...] = (
    _rule("cta", "asks for contact", 0.8,
          "dm d dms inbox pm message msg text contact add write hit ask whisper whisp + me us",
          r"\b(?:d ?m|dms|inbox|pm|message|msg|text|contact|add|write|hit|ask|whisper|whisp) "
          r"(?:me|us)\b"),
    _rule("cta", "asks for contact", 0.8, "hmu whatsapp telegram signal wechat snapchat kik",
          r"\b(?:hmu|whatsapp|telegram|signal|wechat|snapchat|kik)\b"),
    _rule("cta", "asks for contact", 0.8, "t + me", r"\bt me\b"),
    _rule("cta", "asks for contact", 0.8, "reply", r"\breply to (?:this|my)\b"),
    # "send me a DM", "drop a 👍 and I'll DM you": the talk moves to private messages
    _rule("cta", "asks for contact", 0.8, "send drop shoot + dm message pm",
          r"\b(?:send|drop|shoot) (?:me|us) an? (?:dm|message|pm)\b"),
    _rule("cta", "asks for contact", 0.8, "ill will + dm message pm inbox",
          r"\b(?:i ll|ill|i will|we ll|we will) (?:dm|message|pm|inbox) (?:you|u|them|everyone)\b"),
    # "add our admin on discord", "talk to this support agent"
    _rule("cta", "asks for contact", 0.8, "add talk speak contact message + admin agent support "
          "moderator mod staff manager team representative",
          r"\b(?:add|talk to|speak to|speak with|contact|message) (?:our|my|the|this|their) "
          r"(?:\S+ )?(?:admin|agent|support|moderator|mod|staff|manager|team|representative)\b"),
    # "check your dms", "dm for prices", "paste it in my dm" (and "... just dm": _contact)
    _rule("cta", "asks for contact", 0.8, "dm dms inbox messages pm pms",
          r"\b(?:check|see|open) (?:your|ur) (?:dms?|inbox|messages|pms?)\b"
          r"|\bdm (?:for|4) (?:more|info|details|prices?|price list|rates)\b|\bdm at\b"
          r"|\b(?:in|to|into|on) (?:my|our) (?:dms?|inbox|pms?)\b"),
    # the same requests in other languages
    _rule("cta", "asks for contact", 0.8,
          "escribeme escribanme escribime mandame hablame contactame chama manda schreib "
          "schreibt schreiben kontaktiere kontaktieren privatnachricht contactez ecrivez ecris "
          "envoyez scrivimi contattami yaz bana napisz hubungi пишите пиши напишите напиши "
          "пишіть телеграм телеграмм телегу телеге ватсап вайбер",
          r"\b(?:escribeme|escribanme|escribime|mandame (?:un )?(?:mensaje|md|dm)|hablame|"
          r"contactame|me chama|chama no|me manda|manda (?:mensagem|msg|dm)|schreib(?:t)? mir|"
          r"schreiben sie mir|kontaktier\w* (?:mich|uns)|privatnachricht|contactez moi|ecrivez "
          r"moi|ecris moi|envoyez moi|scrivimi|contattami|bana yaz|yaz bana|napisz|hubungi|"
          r"пишите|пиши|напишите|напиши|пишіть|телеграм\w*|телег[ау]|ватсап|вайбер)\b"),
    _rule("cta", "asks for contact", 0.8, "pm message chat + mo nyo niyo + ako",
          r"\b(?:pm|message|chat) (?:mo|nyo|niyo) (?:na )?ako\b"),
    _rule("cta", "asks for contact", 0.8,
          "privado pv priv md direct dm inbox privato mp prive личку лс личные директ",
          r"\b(?:por|al|en|no|pelo|pro|per|in|по|в) (?:privado|pv|priv|md|direct|dm|inbox|"
          r"privato|mp|prive|личку|лс|личные|директ)\b"),
)  # fmt: skip
_NOT_ASKING = frozenset({"a", "the", "your", "ur", "his", "her", "their"})
_PHONE = re.compile(r"\+?\d[\d ]{8,}\d")
_EMAIL = re.compile(skeleton_pattern(r"@ ?(?:gmail|outlook|hotmail|yahoo|proton\w*)\b"))
_PRESSURES: tuple[Rule, ...] = (
    _rule("cta", "pressures to act", 0.5,
          "click hurry limited expires expire expiring gone first act dont don only last grab get",
          r"\b(?:click|hurry|limited time|expires?|expiring|before it s gone|first \d+|act now"
          r"|dont miss|don t miss|only today|last chance|grab it|get yours|get it now)\b"),
    _rule("cta", "pressures to act", 0.5,
          "claim redeem verify go visit register sign login log appeal apply reset confirm join "
          "+ here below now fast quickly",
          r"\b(?:claim|redeem|verify|go|visit|register|sign up|login|log in|appeal|apply|reset"
          r"|confirm|join) (?:it |yours |them )?(?:here|below|now|fast|quickly)\b"),
    _rule("cta", "pressures to act", 0.5,
          "solo so apenas nur seulement aujourd sadece tylko hanya только лише",
          r"\b(?:solo hoy|solo por hoy|so hoje|apenas hoje|nur heute|seulement aujourd hui|"
          r"aujourd hui seulement|solo oggi|sadece bugun|tylko dzisiaj|hanya hari ini|только "
          r"сегодня|лише сьогодні)\b"),
)  # fmt: skip
# "never click free nitro links": a warning about the scam, not the scam. So is a report of one
# ("someone was selling followers, I reported them", "got a message from 'steam support'").
# One rule per shape, each behind its own anchors: most scam-like chat has none of them.
_WARNINGS: tuple[Rule, ...] = (
    _rule("cta", "warns about a scam", 0.0,
          "never dont don not stop careful beware ignore report",
          r"\b(?:never|dont|don t|do not|not|stop|careful|beware|ignore|report) (?:ever )?"
          r"(?:click|claim|redeem|open|scan|log ?in|sign ?in|verify|trust|fall for|send|share|"
          r"give|paste|type|enter|tell)"),
    _rule("cta", "warns about a scam", 0.0, "nobody noone no",
          r"\b(?:to|with) (?:nobody|no one|noone)\b"),
    _rule("cta", "calls it a scam", 0.0, "scam scams fake phishing",
          r"\b(?:is|are|always|its|it s|probably|obviously) (?:a )?(?:scam|scams|fake|phishing)\b"),
    _rule("cta", "reported it", 0.0, "reported",
          r"\b(?:i|we) (?:just |already |also )?reported (?:it|them|him|her|that|this|those|"
          r"these|the \w+)\b|\breported (?:it|them)\b"),
    _rule("cta", "got a message from", 0.0, "from + message dm dms whisper email mail text",
          r"(?:^|\b(?:i|i ve|ive|we|just|also) )(?:got|received|get|getting|keep getting) (?:a |"
          r"an |this |some |the same |another )?(?:\S+ )?(?:message|dm|dms|whisper|email|mail|"
          r"text)s? from\b"),
    _rule("cta", "tells what someone did", 0.0,
          "selling offering spamming posting advertising scammed banned removed reported",
          r"\b(?:was|were|keeps|kept|been) (?:selling|offering|spamming|posting|advertising)\b"
          r"|\b(?:got|get|getting|been|was|were) scammed\b|\bscammed by\b"
          r"|\b(?:bots?|scammers?|spammers?|guy|someone|somebody|he|she|they)\b(?: \S+){0,3} "
          r"(?:got|was|were|is|are|just got) (?:banned|timed out|removed|reported|perma banned)\b"),
    _rule("cta", "be careful", 0.0, "careful", r"\bbe careful\b"),
    _rule("cta", "calls it a scam", 0.0, "scam scams phishing fake",
          r"\b(?:is|are|its|it s|obvious|obviously|clearly|total|classic) (?:a |an |the )?"
          r"(?:(?!not |no |never )\S+ )?(?:scam|scams|phishing|fake)\b"),
    _rule("cta", "will never ask", 0.0, "never",
          r"\bwill never (?:dm|message|ask|contact|whisper|email)\b"),
    _rule("cta", "nobody will ever ask", 0.0, "nobody noone no + ever",
          r"\b(?:nobody|no one|noone)\b(?: \S+){0,5} (?:will|would) ever (?:dm|message|ask|"
          r"contact|whisper|email)\b"),
    _rule("cta", "nobody can double it", 0.0, "nobody noone no + double",
          r"\b(?:nobody|no one|noone) (?:can|fit|will|could|is going to) double\b"),
    _rule("cta", "calls it a trick", 0.0, "trick scam",
          r"\b(?:its|it s|thats|that s) (?:a |an )?(?:trick|scam)\b"),
)  # fmt: skip
# A report: someone else did it ("pretending to be Discord staff", "anyone else get a message
# from 'steam support'?"). It holds even next to an ordinary link (the real site, named in the
# report); only a risky link of its own makes it a pretext.
_REPORTS: tuple[Rule, ...] = (
    _rule("cta", "reports an impersonator", 0.0, "pretending posing impersonating claiming",
          r"\b(?:pretending|posing|impersonating|claiming) (?:to be |as )?"),
    _rule("cta", "reports a message", 0.0, "saying says said claiming claimed + they they re "
          "theyre he she it",
          r"\b(?:saying|says|said|claiming|claimed) (?:that )?(?:they|they re|theyre|he s|he is|"
          r"she s|she is|it s|its) (?:are |were |was )?(?:from|with|the|a|staff|support)\b"),
    _rule("cta", "asks who else got it", 0.0, "anyone anybody else",
          r"\b(?:anyone|anybody|did anyone|has anyone|who else)(?: else)? (?:get|got|getting|"
          r"receive|received|seen|see)\b"),
    _rule("cta", "someone is messaging people", 0.0, "someone somebody scammer scammers bot bots "
          "account accounts guy people",
          r"\b(?:someone|somebody|a scammer|scammers|a bot|bots|some account|accounts|a guy|"
          r"people) (?:is |are |was |were |keeps |keep )?(?:dming|dm ing|messaging|whispering|"
          r"texting|sending|spamming|asking|telling)\b"),
    _rule("cta", "tells what a message said", 0.0, "dmed dm d messaged texted whispered "
          "emailed + me",
          r"\b(?:dmed|dm d|messaged|texted|whispered|emailed) me (?:saying|asking|that|"
          r"and said)\b"),
    _rule("cta", "tells what a message said", 0.0, "wrote + bot guy account someone somebody "
          "scammer",
          r"\b(?:bot|guy|account|someone|somebody|scammer)\b(?: \S+){0,5} wrote\b"),
    _rule("cta", "tells how they do it", 0.0, "they + make made want ask asked tell told",
          r"\bthey (?:make|made|want|ask|asked|tell|told) (?:you|u|people|everyone)\b"),
    _rule("cta", "someone messaged me", 0.0, "dmed dm d messaged texted whispered emailed + me",
          r"\b(?:someone|somebody|a guy|some guy|a bot|some bot|a random|some random|an account|"
          r"some account|random account)\b(?: \S+){0,2} (?:dmed|dm d|messaged|texted|whispered|"
          r"emailed) me\b"),
    _rule("cta", "the account that messaged me", 0.0, "messaged dmed + me",
          r"\b(?:account|guy|person|bot|user) (?:that|who) (?:messaged|dmed|dm d|texted) me\b"),
    _rule("cta", "if someone says", 0.0, "if + someone anyone somebody anybody",
          r"\bif (?:someone|anyone|somebody|anybody|a stranger|a guy) (?:ever )?(?:says|dms|dm s|"
          r"messages|whispers|texts|asks|tells|offers|sends)\b"),
    _rule("cta", "it is going around", 0.0, "going around + again thing scam one",
          r"\b(?:thing|scam|one|message|link|bot|bots|it) (?:is |s )?going around(?: again)?\b"),
)  # fmt: skip


class RuleSet:
    """A few rules asked together ("does any apply?"): a word index finds the rules whose every
    anchor group has a word in the message, so only their patterns run."""

    __slots__ = ("_keys", "_need", "_rules", "_words")

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = tuple(rules)
        self._words: dict[str, int] = {}
        self._need: list[int] = []
        bit = 0
        for rule in self._rules:
            need = 0
            for group in rule.anchors:
                for word in group:
                    self._words[word] = self._words.get(word, 0) | (1 << bit)
                need |= 1 << bit
                bit += 1
            self._need.append(need)
        self._keys = frozenset(self._words)

    def any(self, text: str, words: Iterable[str]) -> bool:
        found = self._keys.intersection(words)  # in C: most messages have none of the words
        if not found:
            return False
        present = 0
        get = self._words.__getitem__
        for word in found:
            present |= get(word)
        for rule, need in zip(self._rules, self._need, strict=True):
            if present & need == need and not (rule.money and _MONEY_SIGN.search(text) is None):
                if rule.pattern.search(text) is not None:
                    return True
        return False


CONTACT = RuleSet(_CONTACTS)
PRESSURE = RuleSet(_PRESSURES)
WARNING = RuleSet(_WARNINGS)
REPORT = RuleSet(_REPORTS)


# Every (rule, anchor group) pair gets one bit; a word carries the bits of the groups it is in.
# Each rule's bits form a field with a zero guard bit above it. A rule is a candidate when the
# message's words set every bit of its field: adding 1 at the bottom of every field then
# carries into exactly those rules' guard bits. So the gate costs one OR per word present and
# three operations on one integer for all the rules together, before any regex runs.
_WORD_BITS: dict[str, int] = {}
_LOW = 0  # the lowest bit of every field
_GUARDS = 0  # every guard bit
_RULE_AT: dict[int, Rule] = {}  # guard bit position -> its rule
_bit = 0
_first: set[str] = set()
for _r in RULES:
    _LOW |= 1 << _bit
    for _group in _r.anchors:
        for _w in _group:
            _WORD_BITS[_w] = _WORD_BITS.get(_w, 0) | (1 << _bit)
        _bit += 1
    _GUARDS |= 1 << _bit
    _RULE_AT[_bit] = _r
    _bit += 1
    _first |= _r.anchors[0]
ANCHORS = frozenset(_first)  # a rule can only apply with a word of its first group
_ALL_WORDS = frozenset(_WORD_BITS)


def candidates(tokens: Iterable[str]) -> list[Rule]:
    """Rules whose every anchor group has a word among ``tokens``, in RULES order (among rules
    of equal score, the reason shown must not depend on the hash seed of the process)."""
    present = 0
    get = _WORD_BITS.get
    for word in tokens:
        bits = get(word)
        if bits:
            present |= bits
    done = (present + _LOW) & _GUARDS  # words set field bits only
    found: list[Rule] = []
    while done:
        low = done & -done
        found.append(_RULE_AT[low.bit_length() - 1])
        done ^= low
    return found


class ScamMatch(NamedTuple):
    category: str
    score: float
    reason: str


def match_scam(
    text: str,
    tokens: Iterable[str],
    *,
    link: bool,
    channel: bool = False,
    promote: bool = False,
    rules: Sequence[Rule] | None = None,
    handle: bool = False,
    risky: bool | None = None,
    warned: bool = False,
    profile: bool | None = None,
) -> ScamMatch | None:
    """Score ``text`` (match text with single spaces) against the scam shapes.

    ``tokens`` are its words; ``link`` says whether it carries a link that is not allowlisted,
    ``channel`` whether it links a channel, video or invite (allowlisted or not). ``promote``:
    the author may post links (a VIP, a permit), so self-promotion and ads with one are fine.
    ``rules``: :func:`candidates` of ``tokens``, when already known. ``handle``: the text
    names an account ("@name", "my insta is ana_draws"), which self-promotion points to as it
    does to a channel link.
    """
    if rules is None:
        rules = candidates(tokens)
    if not rules:
        return None
    words = tokens if isinstance(tokens, frozenset | set) else frozenset(tokens)
    best: dict[str, tuple[float, int, str]] = {}
    own = False  # a rule matched that promotes the author's own channel
    for rule in rules:
        if rule.money and _MONEY_SIGN.search(text) is None:
            continue
        if rule.pattern.search(text) is None:
            continue
        own = own or rule.reason in _SELF_PROMOTION
        top, count, reason = best.get(rule.category, (0.0, 0, ""))
        if rule.score > top:
            top, reason = rule.score, rule.reason
        best[rule.category] = (top, count + 1, reason)
    if not best or (warned and not link):
        return None  # a warning in another language ("это развод", "es estafa")
    if disclaims(text, words, link=link, risky=link if risky is None else risky):
        return None  # with a link of its own, a "warning" is a pretext
    # The strongest category, plus a little for every other rule that agrees.
    category, (top, count, reason) = max(
        best.items(), key=lambda kv: kv[1][0] + 0.2 * (kv[1][1] - 1)
    )
    # "cheap" (an ad word) lends no weight to other topics ("someone offered cheap followers").
    others = sum(n for c, (_, n, _) in best.items() if c != category and c != "ad")
    score = min(1.5, top + 0.2 * (count - 1) + 0.2 * others)
    extras = []
    soft = category in _SOFT
    if soft:
        # Self-promotion and ads are chat until they carry a link ("check my channel pls" is
        # fine) or a lure ("follow my stream, I give away skins" is not).
        if channel and profile is False and not own and reason == "sends chat to another channel":
            channel = False  # "go watch the vod, it's on youtube.com/watch?v=..." is a video
        if not promote and (link or (category == "promo" and (channel or (handle and own)))):
            score += _SOFT[category]
            extras.append("with a link" if link or channel else "with a handle")
        elif "gift" not in best:  # no lure ("I give away skins") either
            score = min(score, max(SOFT_CAP, top))
            soft = None  # pressure alone ("90% off, grab it") does not make an ad spam
    elif link:
        score += LINK_BONUS
        extras.append("with a link")
    if asks_contact(text, words):
        score += CONTACT_BONUS
        extras.append("asks for contact")
    if soft is not None and PRESSURE.any(text, words):
        score += PRESSURE_BONUS
        extras.append("pressures to act")
    if not extras and top < BAIT_MAX and count + others <= 2 and category not in _SOFT:
        # Bait is chat without a call to action, even touched twice ("you need to verify your
        # account with a phone number", "log in daily to get the free skin"); three signs make
        # a shape ("Twitch Trust and Safety: verify your identity within 12 hours").
        score = min(score, SOFT_CAP)
    if extras:
        reason = f"{reason} ({', '.join(extras)})"
    return ScamMatch(category, round(min(MAX_SCORE, score), 2), reason)


def disclaims(text: str, words: frozenset[str] | set[str], *, link: bool, risky: bool) -> bool:
    """A warning (without a link of its own) or a report (without a risky link): not a scam."""
    if not risky and REPORT.any(text, words):
        return True
    return not link and WARNING.any(text, words)


def asks_contact(text: str, words: frozenset[str] | set[str]) -> bool:
    """A way to reach someone off-platform: a DM request, a messenger, a phone, an email."""
    if CONTACT.any(text, words):
        return True
    if text.endswith("dm") or text.endswith("dms"):
        # "... trusted by 400 people, dm" (not "sent you a dm")
        before = text.rsplit(" ", 2)
        if before[-1] in ("dm", "dms") and (len(before) < 2 or before[-2] not in _NOT_ASKING):
            return True
    if "@" in text and _EMAIL.search(text):
        return True
    return (
        len(words) >= 2 and _MONEY_SIGN.search(text) is not None and _PHONE.search(text) is not None
    )
