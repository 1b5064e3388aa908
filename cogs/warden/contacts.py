"""Off-platform contact points: a messenger with an account or a number, a phone number.

Scams in every language end the same way: the hook is in the chat, the deal is on WhatsApp,
Telegram, WeChat, QQ, LINE or KakaoTalk ("chama no zap 11 97654-3210", "加V：zhuanqian_8866",
"카톡 ticket_yangdo22"). Ordinary chat names messengers ("my whatsapp is broken") but seldom
posts an account on one, and almost never a phone number next to a price. So the shape is
language-free: a contact point, and with it money or an offer.

Works on the lowercased raw text (digits and the ids keep their punctuation there).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Messenger names as chat writes them, Latin and not ("zap" is WhatsApp in Brazil, "vx"/"v"
# and "薇" are WeChat written around filters). Not "signal", "session" or "line" alone (words),
# but "Line:" with an account after it.
_LATIN_MESSENGERS = (
    r"whats\s?app|watsapp|wa|wame|zap|zapzap|telegram|telegr\.?am|tg|viber"
    r"|wechat|weixin|vx|wx|qq|line\s?id|line(?=\s?[:：])|kakao(?:\s?talk)?|kik"
    r"|ватсап|вацап|вотсап|телеграм\w*|телег[аиу]|тг|вайбер"
    r"|واتساب|واتس|وتساب|تلغرام|تيليجرام|تلگرام"
)
# Scripts without spaces glue a messenger to the words around it ("联系微信gpu88").
_GLUED_MESSENGERS = (
    r"微信|威信|薇信|加v|加微|加q|扣扣|电报|飞机|ライン|카톡|카카오톡?|텔레그램|텔레|라인|ไลน์"
)
# The account after it: a name with a digit or "_", "@" or not (a plain word is prose:
# "telegram is down", "his telegram @durov"), or a number.
_ACCOUNT = r"(?:@?[^\W\d][\w.]*[\d_][\w.]*|\+?[\d٠-٩][\d٠-٩\s\-()]{4,}[\d٠-٩])"
# Between them: "id", a colon or an arrow, and up to two short words ("chat WA", "hubungi WA
# 08...", "telegram me at @x", "微信：", "카톡 아이디").
_BETWEEN = (
    r"\s?(?:(?:id|號|号|번호|아이디|ид)\s?)?[:：=\-–→👉>]*\s?"
    r"(?:(?:me|us|at|on|di|ke|no|pe|em|en|a|ya|aja|karo|par)\s){0,2}"
)
_MESSENGER_ACCOUNT = re.compile(
    rf"(?:(?<![a-z0-9@./_])(?:{_LATIN_MESSENGERS})(?![a-z0-9._])|(?:{_GLUED_MESSENGERS}))"
    rf"{_BETWEEN}{_ACCOUNT}"
)
# A phone number: "+" and a country code, or a local number starting with 0, with 9 to 15
# digits in groups (Arabic-Indic digits too). Not inside a longer run of digits, a version, a
# time or a date ("2026-12-04 05:40" is not a number to call).
_PHONE = re.compile(
    r"(?<![\w.:/+\-])(?:\+[\d٠-٩]{1,3}|[0٠][\d٠-٩]{1,4}|\([\d٠-٩]{2,4}\))"
    r"(?:[\s\-]?\(?[\d٠-٩]{2,5}\)?){2,4}(?![\w.:/\-]|\.\d)"
)
_DIGIT = re.compile(r"[\d٠-٩]")
# Money or an offer: a currency (sign or written), an amount in local shorthand ("50rb",
# "5 juta", "150k", "20万"), or a word of selling, earning, lending or paying.
_MONEY = re.compile(
    r"[$€£¥￥₹₽₩₱฿₺₫₦₴]|r\$|\brp\s?\d|\d\s?(?:rb|ribu|juta|jt|k|rs|tl|zł|zl|грн|руб|usd|usdt"
    r"|eur|aed|sar|naira|inr|rupees?|pesos?|reais|元|块|万|円|원|만원|บาท)(?![a-z])"
    r"|\b(?:usd|usdt|btc|eth|crypto|bitcoin|forex|pix|iban|bizum|blik|gcash|upi|paytm)\b"
    r"|\b(?:sell|selling|buy|cheap|price|prices|earn|earning|profit|invest\w*|loan|loans|income"
    r"|salary|payment|pay|paid|deposit|bonus|prize|winner|won|reward|offer|discount|certificate"
    r"|jual|murah|harga|pinjaman|dana|cair|modal|untung|gaji|hadiah|vendo|venda|vendas|barato"
    r"|precio|preço|ganhe|ganhar|ganar|lucro|renda|empréstimo|préstamo|prêmio|premio|verkaufe"
    r"|verdienen|kredit|gewinn|vends|gagner|gagnez|prêt|satılık|kazan\w*|kredi|kazanç|ödeme"
    r"|sprzedam|zarabiaj\w*|zarobek|pożyczk\w*|продам|продаю|заработ\w*|дохід\w*|доход\w*|инвест\w*|інвест\w*|кредит"
    r"|займ|выплат\w*|виплат\w*|prodám|vând|kiếm|bán|giá|ขาย|รายได้|بيع|سعر|ربح|أرباح|تمويل"
    r"|قرض|شهادة|درآمد|فروش)\b"
    r"|出售|低价|价格|佣金|兼职|日结|副业|赚|收益|返利|贷款|秒批|下款|投资|理财|清仓|包售后|代充"
    r"|副収入|稼げ|稼ぐ|儲か|投資|販売|格安|利益|報酬|판매|양도|수익|부업|대출|투자|입금|최저가"
)


class ContactOffer(NamedTuple):
    score: float
    reason: str


# Every contact point has a digit, a "_" or an "@": most chat has none and skips the rest.
_MAY_HAVE_ONE = re.compile(r"[\d_@٠-٩]")
# What each pattern must contain, found several times faster (a leading lookbehind keeps re
# from skipping ahead to a possible first character): a messenger's name; a phone number's
# "+", "0" or "(" before a digit. Replies ("@ann123 ...") and numbers pass the check above.
_MAY_NAME_MESSENGER = re.compile(rf"{_LATIN_MESSENGERS}|{_GLUED_MESSENGERS}")
_MAY_BE_PHONE = re.compile(r"[+0٠(][\d٠-٩]")


def contact_point(lowered: str) -> tuple[str, bool] | None:
    """The contact point in a lowercased text ("whatsapp +1 415 555 0199") and whether a
    messenger is named with it, or None."""
    if _MAY_HAVE_ONE.search(lowered) is None:
        return None
    if _MAY_NAME_MESSENGER.search(lowered) is not None:
        m = _MESSENGER_ACCOUNT.search(lowered)
        if m is not None:
            return m.group().strip(), True
    if _MAY_BE_PHONE.search(lowered) is None:
        return None
    m = _PHONE.search(lowered)
    if m is not None and len(_DIGIT.findall(m.group())) >= 9:
        return m.group().strip(), False
    return None


def contact_offer(lowered: str) -> ContactOffer | None:
    """A way to take the talk off-platform, scored: with money or an offer it is the end of a
    scam (1.0); a messenger account alone is a flag for moderators (0.6); a bare phone number
    alone (a helpline, a shop's number) only adds to what other checks find (0.4)."""
    found = contact_point(lowered)
    if found is None:
        return None
    point, messenger = found
    if _MONEY.search(lowered.replace(point, " ")) is not None:
        return ContactOffer(1.0, f"an offer with a contact off the platform ({point})")
    if messenger:
        return ContactOffer(0.6, f"a contact off the platform ({point})")
    return ContactOffer(0.4, f"a phone number ({point})")
