"""Scam and spam shapes in many languages (cogs/warden/lexicon.py, shapes.py), foreign "dots",
brand lookalikes, programs behind links, reports that are not scams, and repetition of short or
reworded lines. Every text here was written for these tests (none is taken from a labelled set).
"""

from __future__ import annotations

import pytest

from bot.clock import VirtualClock
from bot.message import Message, Platform, Role, Room, User
from cogs.warden.checks import View, repeat_key
from cogs.warden.engine import Assessment, WardenEngine
from cogs.warden.lexicon import (
    AUDIENCE,
    CONTACT,
    EARN,
    EASY,
    FOLLOWME,
    MINE,
    PERIOD,
    QR,
    SCAN,
    WARN,
    concepts,
)
from cogs.warden.links import (
    DEFAULT_ALLOWLIST,
    DomainSet,
    LinkJudge,
    PhishingList,
    find_links,
    impersonation,
)
from cogs.warden.shapes import doubles_coins, money, wallet

ROOM = Room(Platform.TWITCH, "chan", "chan")


class Chat:
    def __init__(self) -> None:
        self.clock = VirtualClock(1000.0)
        self.engine = WardenEngine(self.clock)
        self.n = 0

    def say(self, text: str, user: str | None = None, after: float = 5.0) -> Assessment:
        self.clock.advance(after)
        self.n += 1
        who = user or f"viewer{self.n}"
        author = User(Platform.TWITCH, who, who, who, role=Role.EVERYONE)
        return self.engine.assess(Message(str(self.n), ROOM, author, text, self.clock.now()))


@pytest.fixture
def chat() -> Chat:
    return Chat()


# --- concepts ---------------------------------------------------------------------------------


def test_concepts_are_found_in_every_script() -> None:
    assert concepts("Ganhe uma renda extra em casa") & EASY
    assert concepts("Подпишитесь на канал") & FOLLOWME  # a stem: every form of "subscribe"
    assert concepts("日給2万円") & PERIOD and concepts("日給2万円") & EARN  # no spaces
    assert concepts("قناتي الجديدة") & MINE  # Arabic: a pronoun attached to the word
    assert concepts("our brand new server") & MINE  # "our ~ server": words in between
    assert concepts("QR-код") & QR and concepts("스캔하세요") & SCAN


def test_a_negated_warning_is_no_warning() -> None:
    assert concepts("careful, this is a scam") & WARN
    assert not concepts("100% legit, not a scam") & WARN
    assert not concepts("no es estafa, es real") & WARN


def test_amounts_of_money_in_many_notations() -> None:
    for text in ("$25", "R$ 300", "₹1500", "40 euros", "3万円", "50만원", "2 juta", "700 zł"):
        assert money(text.lower()), text
    for text in ("25 viewers", "level 30", "3rd place", "100k subs"):
        assert not money(text), text


def test_coins_doubling_and_wallets() -> None:
    assert doubles_coins("0.2 eth now, 0.4 eth back")
    assert not doubles_coins("0.4 eth then 0.2 eth")
    assert wallet("send to 0x" + "ab12" * 10)
    assert not wallet("commit 3f9a2c1 fixed it")


# --- the shapes, in other languages -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Renda extra: R$ 150 por dia no conforto de casa, me chama no WhatsApp",  # pt
        "Trabaja desde casa, 250 dólares a la semana, escríbeme por privado",  # es
        "Heimarbeit: 120€ pro Tag vom Handy aus, schreib mir auf Telegram",  # de
        "Travail depuis chez vous, 90€ par jour, écrivez-moi en privé",  # fr
        "Lavoro online da casa, 70 euro al giorno, contattami",  # it
        "Работа из дома, 4000 рублей в день, пишите в телеграм",  # ru
        "Evden çalış, günde 800 TL kazan, bana yaz",  # tr
        "在家兼职,日赚200元,联系我",  # zh
        "자택 부업 하루 15만원, 카톡 주세요",  # ko
        "在宅の副業で日給1万円、DMください",  # ja
        "ربح 150 دولار يوميا من المنزل، راسلني",  # ar
        "घर बैठे रोज़ ₹1000 कमाएं, संपर्क करें",  # hi
    ],
)
def test_easy_money_pitches(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert "scam" in {h.check for h in a.hits} and a.flagged, a


@pytest.mark.parametrize(
    "text",
    [
        "Vendo espectadores para Twitch, baratos, escríbeme",  # es
        "Seguidores reais pro seu canal a partir de R$ 20, chama no privado",  # pt
        "Günstige Zuschauer für deinen Stream, schreib mir",  # de
        "Накручу зрителей на стрим недорого, пиши в лс",  # ru
        "Twitchの視聴者を格安で増やします、DMください",  # ja
        "트위치 시청자 싸게 늘려드려요, 텔레그램 문의",  # ko
        "出售Twitch观众,便宜,私聊",  # zh
        "500 spotify plays for $10, message me",  # en: plays sold like an audience
    ],
)
def test_selling_an_audience(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "Envía 0.3 ETH y recibe 0.6 ETH",
        "0.2 BTC 보내면 0.4 BTC 돌려드려요",
        "0.1 ETHを送ると0.2 ETHが戻ってきます",
        "send anything to 0x" + "9c4e" * 10 + " and get it back doubled",
    ],
)
def test_coins_sent_and_returned(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "scan the QR with your Discord app to unlock the giveaway channel",
        "Escaneá el QR con la app de Discord para entrar al servidor",
        "Scanne den QR-Code in der Discord-App, sonst wirst du gekickt",
        "Отсканируй QR-код в приложении Steam, чтобы получить скин",
        "디스코드 앱으로 QR코드 스캔해서 인증하세요",
    ],
)
def test_qr_login_theft(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "Hola, soy del soporte de Discord, mándame tu contraseña para verificar",
        "Bonjour, je suis de l'équipe Steam, envoie-moi ton code de vérification",
        "Привет, я из поддержки Twitch, пришли свой пароль",
        "Steam support here, your account will be banned, add our admin @steam_help_desk",
    ],
)
def test_fake_staff_asking_for_codes_or_threatening(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "Sigan mi canal twitch.tv/lobito_juega porfa",
        "Abonniert meinen Kanal youtube.com/@bergfuchs_tv",
        "Подписывайтесь youtube.com/@volk_igraet",
        "チャンネル登録してね youtube.com/@sora_asobi",
        "구독 부탁해요 youtube.com/@dallae_tv",
        "Takip edin instagram @kedi_oyunda",
        "join our new minecraft server play.example-craft.net, free ranks",
        "I just started streaming, come say hi twitch.tv/tiny_toad_tv",
        "I post on tiktok @daily_dumplings, come see",
    ],
)
def test_self_promotion_in_any_language(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        # warnings and reports, in several languages
        "Ojo: alguien manda QR por privado diciendo que es de Discord, es estafa",
        "Achtung, das mit den gratis Zuschauern ist Betrug",
        "Осторожно, это развод, не пишите им в лс",
        "QRコードを読み取らせようとする人は詐欺です",
        "someone is DMing people pretending to be twitch support, ignore them",
        "anyone else get a message from 'steam' saying they reported you? classic scam",
        # innocent talk about money, viewers, following, QR codes, servers
        "Ganhei 30 reais no bolão do trabalho",
        "Ich verdiene 15 Euro die Stunde, reicht so",
        "Сколько зрителей у тебя было вчера?",
        "今日は視聴者が多いね",
        "follow the guide on the wiki, step 3 is the tricky one",
        "my friend just went live at twitch.tv/gentle_gecko, go say hi",
        "I moved my server to a cheaper host, docs at help.example-host.net",
        "the restaurant menu is a QR code now, so annoying",
        "send me the lobby password when you're ready",
        "I sent my sister 20 bucks and she paid me back",
        "my account got banned by mistake once, support fixed it in a day",
        # reports of what a scammer wrote, and warnings that quote the bait
        "a random account messaged me saying I won a steam gift card, blocked",
        'some bot in the other server wrote "claim your free nitro now" lol',
        "if someone says they'll give you free robux for your password, ignore it",
        'the "I accidentally reported you" discord scam is going around again',
        "nobody from the mod team will ever ask you for your password or a code",
        "they make you scan a QR code to verify, then your account is gone",
        "remember: no one can double your bitcoin, don't send it anywhere",
        "free skins for logging in somewhere? it's a trick",
        "the wiki moved, it's minecraft.wiki/w/Redstone now",
    ],
)
def test_ordinary_chat_stays_clean(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a


# --- links ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("visiten tiendita (punto) shop", "tiendita.shop"),
        ("zajrzyj na sklepik [kropka] pl", "sklepik.pl"),
        ("заходи на igrushki [точка] ru", "igrushki.ru"),
        ("veja lojinha ponto com ponto br", "lojinha.com.br"),
        ("free stuff at d1sc0rd-g1ft dot c0m", "d1sc0rd-g1ft.com"),
    ],
)
def test_dot_in_other_languages_and_leet_tlds(text: str, domain: str) -> None:
    assert domain in [link.domain for link in find_links(text.lower())]


def test_dot_words_in_sentences_are_not_links() -> None:
    assert find_links("do meu ponto de vista, foi ótimo") == []
    assert find_links("at this point net worth does not matter") == []


def test_spelt_out_domain_before_words() -> None:
    judge = LinkJudge(DomainSet(DEFAULT_ALLOWLIST), PhishingList.load())
    view = View("t w i t c h c o n . c o m free badges here")
    assert [(f.link.domain, f.kind) for f in view.findings(judge)] == [("twitchcon.com", "link")]
    view = View("s t e a m c o m m u n i t t y . c o m free skins")
    assert [f.kind for f in view.findings(judge)] == ["phishing"]


@pytest.mark.parametrize(
    "domain",
    ["discord.glft", "steamcornmunity.com", "discorcl-nitro.com", "appleid-unlock-help.com"],
)
def test_brand_lookalikes(domain: str) -> None:
    assert impersonation(domain) is not None


@pytest.mark.parametrize("domain", ["apply-now.com", "elements.io", "matrix-fans.net", "riot.im"])
def test_brands_that_are_words_need_a_lure(domain: str) -> None:
    assert impersonation(domain) is None


def test_a_program_behind_a_link_is_dangerous(chat: Chat) -> None:
    a = chat.say("sign the sponsorship contract: partner-deals.net/contract.scr")
    assert "phishing" in {h.check for h in a.hits} and a.flagged
    ok = chat.say("the release notes are at github.com/acme/tool/releases/download/v2/setup.exe")
    assert "phishing" not in {h.check for h in ok.hits}  # an allowlisted site


# --- repetition -------------------------------------------------------------------------------


def test_repeat_keys() -> None:
    def key(text: str) -> str:
        return repeat_key(View(text).mtext)

    assert key("ㅋㅋㅋㅋㅋ") == key("ㅋㅋㅋㅋㅋㅋㅋㅋ")
    assert key("can u say hi") == key("can you say hi pls")
    assert key("lol") == key("lol")  # only fillers: the line itself
    assert key("lol") and key("lol") != key("lmao")


def test_reworded_lines_are_the_same_line(chat: Chat) -> None:
    lines = ["whats the map called", "what's the map called??", "what is the map called"]
    assert [chat.say(t, user="kit", after=7).flagged for t in lines] == [False] * 3
    assert chat.say("whats the map called", user="kit", after=7).flagged


def test_a_short_line_said_four_times_is_spam(chat: Chat) -> None:
    assert [chat.say("W", user="dee", after=9).flagged for _ in range(4)] == [False] * 3 + [True]
    assert not chat.say("W", user="eve", after=9).flagged  # someone else


def test_emoji_only_lines_repeat_too(chat: Chat) -> None:
    assert [chat.say("🙏🙏", user="fay", after=10).flagged for _ in range(4)][-1]


def test_counters_are_still_different_lines(chat: Chat) -> None:
    for i in range(6):
        assert not chat.say(f"round {i} done, next map", user="gus", after=8).flagged


def test_concept_lookup_skips_plain_chat() -> None:
    # Chat with none of the lexicon's trigger words never reaches the scan or the shapes.
    assert View("what a clutch, gg everyone").concepts == 0
    assert concepts("Quantos viewers tem hoje?") & AUDIENCE
    # A topic alone makes no shape: the View keeps nothing of it (a warning it would keep).
    assert View("Quantos viewers tem hoje?").concepts == 0
    assert concepts("dm me if you want to duo") & CONTACT
    assert View("dm me if you want to duo").concepts == 0


def test_a_video_link_is_not_a_channel_to_follow(chat: Chat) -> None:
    assert not chat.say("go watch the vod, it's at youtube.com/watch?v=Ab3Cd5Ef7Gh").flagged
    assert chat.say("go follow twitch.tv/loud_lark_live, he's live").flagged  # a channel
    assert chat.say("my new vid is out youtube.com/watch?v=Zx9Yw8Vu7Ts, leave a like").flagged


@pytest.mark.parametrize(
    "text",
    [
        "副業で日給2万円、LINEで連絡ください",
        "兼职刷单,日结200元,加我",
        "Renda extra trabalhando em casa, R$ 90 por dia, chama no pv",
    ],
)
def test_side_jobs_that_pay_by_the_day(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


# --- bait that needs a link or a contact ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "confirme CPF e cartão em socio-ingressos.com.br para liberar o ingresso",
        "update your PAN KYC today or the account is blocked: kyc-update-portal.in",
        "disable your antivirus before installing, download the pack from x-mods.net/pack",
        "download the beta launcher at nightfall-beta.net, the antivirus flags it but it's fine",
    ],
)
def test_bait_with_a_link_is_flagged(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "update your PAN KYC at the bank branch, they told me it takes a week",
        '"disable antivirus" lol, no thanks',
        "I had to download the patch twice, steam kept failing",
        "enter your card details only on the official store, nowhere else",
    ],
)
def test_bait_alone_stays_below_the_flag_line(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged and a.score <= 0.5, a


def test_a_report_shape_with_a_risky_link_is_still_a_scam(chat: Chat) -> None:
    a = chat.say("if anyone asks, claim your free nitro at disc0rd-gift.com before it ends")
    assert a.flagged, a


@pytest.mark.parametrize(
    "text",
    [
        "so lonely tonight... my pics are on my profile 💋",
        "プロフ見てくれたら嬉しいな😘",
        "主页有我的照片，来看看💕",
        "estoy sola en casa, mira mi perfil 😉",
        "ich bin allein, schaut in mein Profil 💋",
        "심심해요 프로필 봐주세요 😘",
        "olhem minha bio, tem o link do meu canal",
    ],
)
def test_a_profile_to_look_at_with_a_wink_or_a_channel(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "raid me after the stream! channel: moth_plays_22",
        'zoek mijn kanaal op youtube: "KaasKoning" en volg me',
        '치지직에서 "달빛고양이" 검색해서 구독 부탁해요',
        'subscribe pls, search "Nightjar Gaming" on youtube',
    ],
)
def test_a_name_to_look_up_is_a_handle(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "my bio says I'm 25 but I'm 24 lol",
        "プロフィール更新した、アイコン変えたよ",
        "I'm so bored at work today",
        "my channel is down, id 404 on every page",
        'search "elden ring malenia guide" on youtube, it helped me a lot',
        "my channel 2 is only music",
    ],
)
def test_profiles_boredom_and_searches_in_ordinary_chat(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a


@pytest.mark.parametrize(
    "text",
    [
        "兼职打字员，日结，在家用手机就能做，私聊我",
        "免费送皮肤活动，输入你的账号密码即可领取",
        "무료 스킨 이벤트! 아이디랑 비번 입력하면 바로 지급",
        "涨粉 价格便宜 Line：boost_tw88",
        "欢迎加我的群，群号 55512345",
        "ঘরে বসে প্রতিদিন ৫০০০ টাকা আয় করুন, ইনবক্স করুন",
        "עקבו אחריי באינסטגרם @noa_draws_22",
    ],
)
def test_side_jobs_password_prizes_and_groups_in_other_scripts(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "抽奖活动今晚开始，官方绝不会索要密码",
        "giveaway tonight, enter with !join. we will never ask for your password",
        "free skins sites want your password, never type it there",
        "waiting in line: 2 hours and counting",
        "what's the wifi password at the event?",
    ],
)
def test_giveaway_notices_and_password_talk_stay_clean(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a


@pytest.mark.parametrize(
    "text",
    [
        "live casino 200% welcome bonus tonight only 👉 lucky-spin-777.site",
        "slot gacor maxwin hari ini, bonus new member 100%, daftar di hoki-slot88.com",
        "카지노 첫충 20% 지급, 문의 텔레그램 @vip_slot_kr77",
        "娱乐城首充送 50%，网址 lucky888.cc",
        "copy this message to 5 chats or you get 7 years of bad luck",
        "перешлите это всем знакомым, иначе вас ждёт несчастье",
    ],
)
def test_gambling_promotions_and_chain_letters(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "the casino level in this game is so hard, I lost all my chips",
        "I won 100% more coins in the bonus stage lol",
        "remember chain letters? send this to 10 people or bad luck, lmao the 2000s",
        "my uncle bets on football every weekend, never wins",
    ],
)
def test_casino_and_luck_talk_stays_clean(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a


@pytest.mark.parametrize(
    "text",
    [
        "I made $900 this week trading, send me a DM if you want to learn",
        "earned $2,000 with forex last month, like this and I'll DM you the method",
        "sorteio de R$300! é só mandar sua chave pix e CPF no privado",
        "hej, pożycz 100 zł, wyślij mi kod BLIK, oddam jutro",
        "Dear customer your electricity connection will be disconnected tonight, call 0812345678",
        "selling 2 concert tickets, $80 each, pay first then I send them, DM me",
        "Sorry, ich habe dich aus Versehen gemeldet, schreib dem Support auf Discord: help_desk_99",
        "Zenith: your account is blocked, update your BVN here: zenith-bvn-verify.com.ng",
    ],
)
def test_more_scam_shapes(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "yes, I'll pay shipping if you sell me the old controller",
        "pay off the credit card first, then invest",
        "kod BLIK to jak gotówka, nikomu go nie dawajcie",
        "the power will be cut tomorrow in our street for repairs, stream might drop",
    ],
)
def test_more_ordinary_chat_stays_clean(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a


@pytest.mark.parametrize(
    "text",
    [
        "lost crypto to a fake exchange? I recover stolen funds fast, telegram @fund_back_pro",
        "te mandé 50€ por error por Bizum, ¿me los puedes devolver? acepta la solicitud",
        "my new single just dropped, stream it here: audiomack.com/kayode-beats/song/sunrise",
        "毎月20万円の副収入、投資の勉強会はLINEで「参加」と送ってね",
        "أنا من فريق دعم ديسكورد، حسابك تم الإبلاغ عنه، تواصل معنا على تيليجرام @dc_help_ar",
    ],
)
def test_recovery_refund_and_other_language_pitches(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "I sent my brother money by mistake, he sent it back right away",
        "my friend's new single is out on bandcamp, it's great",
        "the fake investment scam on the news was wild, people lost everything",
    ],
)
def test_refund_music_and_scam_news_talk_stays_clean(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a


def test_a_masked_link_that_opens_another_site_is_phishing(chat: Chat) -> None:
    a = chat.say("free nitro for all 🎁 [discord.gift/Qm3xT9](https://dlscord-nltro.gift/Qm3xT9)")
    assert a.flagged and "opens dlscord-nltro.gift" in a.reason, a
    same = chat.say("the docs: [github.com/acme/tool](https://github.com/acme/tool)", user="b")
    assert "phishing" not in same.checks


def test_discord_gift_is_discords_own_unless_disguised(chat: Chat) -> None:
    assert not chat.say("real nitro gifts only come from discord.gift links, nothing else").flagged
    assert chat.say("claim it: d i s c o r d . g i f t / Zp81 free nitro", user="b").flagged


@pytest.mark.parametrize(
    "text",
    [
        "someone DMed me 'you won nitro, log in here' lol, blocked",
        "is it rude to ping @everyone for a lost item?",
        "look at the domain: free-drops.click, that's not a real site",
        "discord ніколи не просить сканувати QR-код, це крадіжка акаунта",
        "jangan scan QR dari orang asing ya, itu buat curi akun",
    ],
)
def test_explanations_of_scams_stay_clean(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a


@pytest.mark.parametrize(
    "text",
    [
        "Coucou 💕 je cherche quelqu'un pour discuter, ajoute-moi sur snap : lea.rose22",
        "can you test my game? I made it myself 😊 download: neon-rush.download/setup.exe",
        "HIRING chat moderator, $50 per day, small activation fee first, PM me",
        "hiring ng encoder, ₱1,500 per day, may ₱200 na registration fee muna, pm mo ako",
        "配信のフォロワー増やします 格安 @follow_up_jp",
        "eu te denunciei sem querer, sua conta vai ser banida, fala com o suporte: steam_help77",
    ],
)
def test_romance_test_my_game_job_fees_and_more(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "can you test my game build tonight? it's on the team drive",
        "the activation fee for my phone plan was $20, annoying",
        "I'm looking for someone to talk to about the patch notes",
    ],
)
def test_testing_fees_and_looking_for_someone_stay_clean(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a


@pytest.mark.parametrize(
    "text",
    [
        # recovery pitches paid "after success", in four languages
        "Hacked Instagram? Our team restores accounts in 24h, payment only after success, "
        "WhatsApp +44 7700 900123",
        "Ztratili jste kryptoměny? Vrátíme je, platíte až po vrácení, pište na WhatsApp",
        "帐号被盗了？我们帮你追回，成功后再收费，联系微信",
        "Feltörték a fiókodat? Visszaszerezzük, fizetés csak siker esetén: Mentő#1234",
        # won a prize, pay the delivery
        "Hongera! Umeshinda TV mpya, lipa shilingi 3,000 za usafirishaji kupitia M-Pesa",
        "Ви виграли навушники! Оплатіть доставку 99 грн і отримайте приз",
        # reported by mistake, in Dutch and Hebrew
        "sorry, ik heb je per ongeluk gerapporteerd, praat met deze mod: HelpDesk#5521",
        "סליחה דיווחתי עליך בטעות, דבר עם האדמין הזה: admin_help#2231",
        # romance openers with an endearment, in Swedish and Indonesian
        "hej sötnos 😘 jag är så ensam ikväll, lägg till mig på snap: lisa_93",
        "hai sayang, aku lagi sendirian nih, chat aku di WA ya",
        # easy money in Persian and Swahili, a job with a sign-up fee
        "روزانه ۵ میلیون تومان درآمد از خانه، بدون سرمایه، پیوی پیام بدید",
        "Pata shilingi 20,000 kila siku ukiwa nyumbani, nitumie ujumbe WhatsApp",
        "NAFASI ZA KAZI mtandaoni, mshahara 500,000/= kwa mwezi, lipa ada ya usajili 10,000/=, "
        "tuma jina lako kwa SMS",
        # a casino with its address behind a Chinese "dot"
        "新开娱乐城 注册送58元彩金 网址 lucky777 点 cc",
    ],
)
def test_recovery_prizes_reports_and_romance_in_more_languages(chat: Chat, text: str) -> None:
    assert chat.say(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "how can I tell if a token contract is a honeypot?",
        "ΚΕΚW ρε φίλε, τι έγινε εκεί",
        "dat is oplichting, kijk naar het .ru stukje",
        "pozor, adresa končí .xyz, to není Discord",
        '"ik heb je per ongeluk gerapporteerd" is de oudste oplichting, niet reageren',
        "ik ben thuis vandaag, verdien ik vrij of niet haha",
        "I'm so bored tonight, anyone want to duo? add me on steam",
    ],
)
def test_tld_talk_emotes_and_quoted_scams_stay_clean(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert not a.flagged, a
