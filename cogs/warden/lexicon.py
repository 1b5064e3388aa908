"""Scam and promotion vocabulary in many languages, as *concepts* rather than sentences.

The English scam rules (:mod:`cogs.warden.scams`) read the shape of a sentence. Other languages
get the same protection from what a pitch is made of: "earn" + an amount + "a day" + "from your
phone" + "write me" is a pitch in any language, whatever its word order. Each concept below
lists the words and short phrases that carry it in English and some twenty other languages;
:mod:`cogs.warden.shapes` combines the concepts a message touches into scam and spam shapes.

Entries are matched three ways, chosen by their script:

* words of Latin script (accents folded: "sígueme" is written "sigueme") match whole tokens of
  the match text; a phrase ("meu canal") matches consecutive tokens. No stems: every form is
  listed, so an ASCII message costs one set intersection when it touches no concept;
* words of other spaced scripts (Cyrillic, Greek, Devanagari, Hebrew) may end in ``*`` for a
  stem ("подпиш*": every form of "subscribe");
* words of scripts written without spaces between words (Chinese, Japanese, Korean, Thai) and
  of Arabic (whose articles and pronouns attach to the word) match anywhere in the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cogs.warden.normalize import fold, skeleton

# --- concepts (bits) ----------------------------------------------------------------------------

FOLLOW = 1 << 0  # "join", "visit", "come watch": asks chat to go somewhere
FOLLOWME = 1 << 25  # "follow me", "subscribe", "sígueme", "подпишитесь": asks for an audience
SERVICE = 1 << 26  # "commissions open", "per song", "I offer": selling work
CODE = 1 << 27  # a password or a login code: "mot de passe", "código de verificação", "验证码"
STAFF = 1 << 28  # "I work at", "soy de", "ich bin vom": a claim to speak for a company
YOUR = 1 << 29  # "your", "tu", "dein", "твой": addressed to the reader
LOAN = 1 << 30  # loans and credit: "I give loans", "préstamos", "займы"
SIDEJOB = 1 << 31  # a side job: "side hustle", "副業", "兼职", "부업", "подработка", "renda extra"
MINE = 1 << 1  # "my channel", "our server": the author's own page
CONTACT = 1 << 2  # "write me", "DM me", Telegram, WhatsApp: off-platform contact
EARN = 1 << 3  # "earn", "gana", "заработок", "赚"
PERIOD = 1 << 4  # "a day", "por dia", "в день", "日給"
EASY = 1 << 5  # "from home", "from your phone", "no experience", "side job"
MENTOR = 1 << 6  # "my mentor", "account manager", "наставник"
THANKS = 1 << 7  # "thanks to", "gracias a", "благодаря", "のおかげ": a testimonial opens so
INVEST = 1 << 8  # investment, trading, crypto
AUDIENCE = 1 << 9  # viewers, followers, subscribers
SELL = 1 << 10  # sell, buy, cheap, boost (of an audience)
SEND = 1 << 11  # "send", "envía", "отправь", "送る", "보내"
BACK = 1 << 12  # "back", "double", "el doble", "вдвое", "返還", "돌려"
COIN = 1 << 13  # BTC, ETH, USDT, "比特币", "биткоин"
QR = 1 << 14  # a QR code
SCAN = 1 << 15  # "scan", "escanea", "отсканируйте", "スキャン"
APP = 1 << 16  # a platform or its app: "discord", "the app", "приложение", "アプリ"
VERIFY = 1 << 17  # verification, "verify", "подтвердите", "認証"
THREAT = 1 << 18  # "or you will be kicked", "will be banned", "иначе вас удалят"
GIFT = 1 << 19  # giveaway, prize, event, "sorteio", "プレゼント", "이벤트"
TODAY = 1 << 20  # "today only", "solo hoy", "本日限定", "오늘만"
WARN = 1 << 21  # "scam", "fake", "careful", "estafa", "мошенники", "詐欺": a warning
STREAMS = 1 << 22  # plays, streams, listeners, likes: sold like an audience, with a price
RECOVER = 1 << 23  # "recovered my lost", "recuperó": the recovery-scam testimonial
ACCESS = 1 << 24  # "to get access", "to claim", "to join the server": why the QR is needed
PROFILE = 1 << 32  # "look at my profile", "my bio", "プロフ見て", "主页": sends chat to a profile
LONELY = 1 << 33  # "I'm alone tonight", "so bored", "寂しい", "심심해": the romance opener
GAMBLE = 1 << 34  # online casinos and betting: "slot gacor", "canlı bahis", "娱乐城", "카지노"
BONUS = 1 << 35  # what a casino promises: "welcome bonus", "首充送", "가입즉시", "free spins"
CHAIN = 1 << 36  # "copy this message", "forward this to everyone", "انشر هذه الرسالة"
LUCK = 1 << 37  # what a chain letter threatens: "7 years of bad luck", "несчастье", "厄运"

_LEXICON: dict[int, str] = {
    # Weak: these ask chat to go somewhere only next to a channel link or an invite.
    FOLLOW: """
        follow|follows|join|visit|raid|check out|come watch|come hang|stop by|drop by|
        go watch|head over|give it a listen|come say hi|say hi at|pop in|
        would love some support|any support|support me|show some love|
        visita|visiten|pasate|pasen por|entra no|entra en|entrem|visitem|confere|confiram|
        passate|venite|unisciti|venez|besucht|schaut vorbei|kommt vorbei|gelin|katilin|
        dolaczcie|dolacz|wbijajcie|zapraszam na|mampir|gabung|kunjungi|
        theo doi|dang ky|ghe kenh|ghe qua|tham gia|
        заходите|заходи на|вступайте|присоединяйтесь|залетайте|переходите|заходьте|
        приєднуйтесь|फॉलो|जॉइन|ادخلوا|انضموا|見に来て|遊びに来て|来看|來看|구독|팔로우|놀러|
        와주세요|들어와|แวะมา|
        加我的|加群|进群|進群|
        stream it|listen to it|关注三连|三连|
        gyertek|gyertek nezni|nezzetek meg|بیاید
    """,
    # Strong: "follow me", "subscribe": asks for the author's own audience, with a handle too.
    FOLLOWME: """
        follow me|follow us|go follow|pls follow|please follow|subscribe to|sub to|subscribe|
        give a follow|drop a follow|raid me|host me|follow niyo|follow nyo|follow nyo ako|
        sigueme|siganme|sigan|seguime|seguidme|suscribete|suscribanse|suscribirse|unete|unanse|
        sigam|segue|me segue|me sigam|me sigan|inscreva|inscrevam|se inscreve|se inscrevam|
        acompanhem|seguitemi|seguimi|seguite|iscriviti|iscrivetevi|
        suivez|suivez moi|suis moi|abonnez|abonnez vous|abonne toi|rejoignez|rejoins|
        folgt|folgt mir|folge mir|abonniert|abonniere|tretet bei|volg|volgt|abonneer|
        takip edin|takip et|abone olun|abone ol|
        obserwujcie|obserwuj|subskrybujcie|subskrybuj|ikuti|
        подпиш*|подписыв*|підпиш*|підпис*|सब्सक्राइब*|
        تابعوني|تابعونا|تابعني|اشتركوا|اشترك في|
        フォローして|フォローお願い|チャンネル登録|登録して|关注我|关注一下|關注我|订阅|訂閱|
        구독해|구독 부탁|팔로우 부탁|กดติดตาม|ติดตามด้วย|สมัครสมาชิก|
        תעקבו אחריי|תעקבו אחרי|עקבו אחריי|עקבו אחרי|תירשמו|הירשמו|
        فالو|فالو کنید|kovetest kovetesert|kovetlek vissza|kovessetek|kovess be
    """,
    MINE: """
        my ~ channel|my ~ stream|my ~ server|our ~ server|our ~ channel|my ~ page|my ~ shop|
        my ~ store|my ~ playlist|my ~ mixtape|my ~ album|my ~ podcast|our ~ discord|my discord|
        my twitch|my youtube|my tiktok|my insta|my instagram|my kick|my soundcloud|
        i just started streaming|i started streaming|i just went live|im going live|im live|
        i stream|im streaming|small streamer|new streamer|upcoming streamer|aspiring streamer|
        i post on|i post daily|i upload|my content|more content like this|
        mi canal|mi stream|mi servidor|mi server|mi pagina|mi tienda|mi directo|mi perfil|
        meu canal|meu servidor|minha live|meu perfil|minha loja|meu insta|meu tiktok|
        mio canale|il mio canale|mio server|mia pagina|mio profilo|
        ma chaine|mon serveur|mon stream|ma page|mon live|mon profil|
        mein kanal|meinen kanal|meinem kanal|mein stream|meinen stream|mein server|meinen server|
        kanalim|kanalima|kanalimi|sunucum|sunucuma|yayinima|
        moj kanal|mojego kanalu|moj serwer|mojego serwera|moj stream|
        channel saya|channel aku|channelku|kanal saya|server saya|
        kenh minh|kenh cua minh|kenh cua toi|kenh toi|
        мой канал|моего канала|мой стрим|мой сервер|мою страницу|мой профиль|
        мій канал|мого каналу|
        मेरे चैनल|मेरा चैनल|मेरी चैनल|
        قناتي|قناتنا|سيرفري|
        私のチャンネル|僕のチャンネル|俺のチャンネル|うちのチャンネル|
        我的频道|我的頻道|我的直播间|我的直播間|
        제 채널|내 채널|우리 채널|제 방송|
        ช่องของฉัน|ช่องเรา|
        我的群|我的游戏群|我的遊戲群|我们的群|我們的群|
        방송 시작했어요|방송 시작했습니다|방송 켰어요|
        my ~ single|my ~ song|my ~ track|my ~ ep|my ~ beat|我的主页|我b站主页|
        a csatornamat|csatornamat|a csatornam|mijn kanaal|min kanal|muj kanal|لایوم
    """,
    CONTACT: """
        telegram|whatsapp|wechat|contact me|contact us|reach him|reach her|contact him|
        contact her|write to him|write to her|message him|message her|dm him|dm her|text him|
        dm me|dm us|message me|msg me|text me|pm me|inbox me|write me|hit me up|whisper me|
        add our|hmu|tg|link in my bio|link in bio|in my bio|link in my profile|in my profile|
        referral link|ref link|my referral|
        agrega a nuestro|agreguen a|adicione nosso|adicione o nosso|ajoutez notre|fugt unseren|
        aggiungi il nostro|
        escribeme|escribime|escribele|escribanle|escribanme|mandame|hablame|contactame|
        contactanos|al privado|por privado|al md|por md|por dm|al dm|mensaje privado|
        me chama|chama no|chama ele|chama ela|me manda|no privado|no pv|manda mensagem|
        me chamem|no direct|
        scrivimi|contattami|scrivigli|scrivetegli|in privato|scrivetemi|
        ecrivez moi|ecris moi|contactez moi|en message prive|en mp|en prive|message prive|
        ecrivez lui|contactez le|contactez la|
        schreib mir|schreibt mir|schreibt ihm|schreib ihm|schreibt ihr|per dm|privatnachricht|
        kontaktiert|meldet euch|melde dich|
        bana yaz|yazin|ozelden|dm at|iletisime gec|ulasin|mesaj at|mesaj atin|bana mesaj|
        napisz|napiszcie|na priv|pisz na|
        hubungi|dm aku|chat aku|japri|
        nhan tin|lien he|
        пишите|пиши|напишите|напиши|в лс|в личку|личку|в директ|телеграм*|телег*|тг|ватсап|
        пишіть|напишіть|в приват|
        संपर्क करें|टेलीग्राम|व्हाट्सएप|मैसेज करें|dm करें|
        راسلني|راسلوني|تواصل|الخاص|تيليجرام|تلغرام|تليجرام|واتساب|
        dmください|dmして|dmで|dmまで|dmへ|dmに|連絡|テレグラム|興味ある人|気になる人|
        dm我|
        私信|私聊|联系|聯繫|聯絡|加我|电报|微信|
        dm 주세요|디엠|연락|텔레그램|카톡|문의|상담|
        ทักแชท|ติดต่อ|ไลน์|ทักมา|
        ইনবক্স করুন|ইনবক্স|মেসেজ করুন|
        lineで|line登録|公式line|オープンチャット|ラインで|
        pm mo ako|pm niyo ako|message mo ako|chat mo ako|ajoute moi|ajoutez moi|
        add me on snap|add me on|on snap|snapchat|my snap|lagg till mig|prata privat|
        skriv till mig|skriv privat|psat soukrome|napis mi|piste na|privat schreiben|
        schreib mir privat|irj nekem|privatban|stuur je|stuur me|stuur een bericht|niandikie|
        nitumie|tuma ujumbe|ujumbe binafsi|kwa sms|zalo|inbox zalo|mesaj privat|scrie mi|בפרטי|
        הודעה פרטית|כתבו לי|پیوی|پیام بدید|بهم پیام بده|تلگرام|واتساپ|m pesa
    """,
    EARN: """
        earn|earned|earning|earnings|profit|profits|income|passive income|pays you|pay you|
        get paid|paid daily|
        gana|gane|ganar|ganando|ganancias|genera|
        ganhe|ganha|ganhar|ganhei|ganhando|lucro|lucrar|renda|faturar|fature|faturei|
        guadagna|guadagni|guadagnare|guadagnato|guadagnando|
        gagnez|gagne|gagner|revenus|
        verdiene|verdienen|verdient|verdienst|
        kazan|kazanin|kazandim|kazanmak|kazanc|
        zarabiaj|zarob|zarobek|zarobilem|zarobilam|zarabiam|
        hasilkan|dapatkan|dapet|cuan|penghasilan|untung|
        kiem|thu nhap|loi nhuan|
        заработ*|зарабат*|доход*|прибыль|
        зароб*|
        कमाएं|कमाई|कमाओ|कमाये|
        اربح|ربحت|أرباح|ارباح|تربح|
        稼げ|稼ぐ|稼い|日給|月収|収入|儲か|
        赚|賺|收入|月入|日入|
        벌기|벌어|벌 수|수익|
        รายได้|หาเงิน|ได้เงิน|
        日薪|আয় করুন|আয় করতে|ইনকাম|
        副収入|利益を出して|
        資産が|倍になりました|
        verdien|tjana|tjanade|tjanar|kereses|keress|hozam|garantalt hozam|vydelek|vydelat|
        castiga|kupata|kipato|להרוויח|מרוויח*|רווח*|درآمد*|کسب درآمد|
        mshahara|salary|salario|gehalt
    """,
    PERIOD: """
        a day|per day|daily|a week|weekly|per week|a month|monthly|per hour|an hour|every day|
        al dia|por dia|cada dia|a la semana|por semana|al mes|por mes|
        ao dia|todo dia|por mes|no mes|
        al giorno|a settimana|al mese|ogni giorno|
        par jour|par semaine|par mois|chaque jour|
        am tag|pro tag|taglich|pro woche|im monat|pro monat|jeden tag|
        gunde|gunluk|haftada|ayda|her gun|
        dziennie|tygodniowo|miesiecznie|na dzien|
        per hari|sehari|tiap hari|per minggu|per bulan|sebulan|
        moi ngay|mot ngay|hang ngay|moi thang|
        в день|в неделю|в месяц|за день|в сутки|ежедневно|за неделю|за месяц|
        щодня|на день|на тиждень|на місяць|
        रोज़|रोज|रोजाना|प्रति दिन|हर दिन|
        يومياً|يوميا|في اليوم|شهرياً|شهريا|في الشهر|في شهر|أسبوعياً|في أسبوع|كل أسبوع|
        日給|毎日|1日|一日|月収|
        日赚|每天|一天|每日|每月|月入|日入|日结|日結|
        하루|매일|한달|일당|
        ต่อวัน|วันละ|ทุกวัน|ต่อเดือน|เดือนละ|
        日薪|প্রতিদিন|দৈনিক|
        per dag|elke dag|om dagen|per vecka|varje vecka|i manaden|naponta|havonta|havi|hetente|
        denne|mesicne|tydne|zilnic|pe zi|pe luna|kila siku|kwa siku|kwa mwezi|kwa wiki|ביום|
        בשבוע|בחודש|روزی|روزانه|ماهانه|در روز|در ماه
    """,
    EASY: """
        from home|from your phone|no experience|work from home|side hustle|easy money|side job|
        side gig|no credit check|instant approval|
        trabajo extra|lavoretto|nebenjob|praca dorywcza|kerja sampingan|viec lam them|
        desde casa|desde tu casa|desde el celular|desde tu celular|sin experiencia|
        sin inversion|dinero facil|
        de casa|em casa|pelo celular|no celular|sem experiencia|sem investimento|renda extra|
        dinheiro facil|
        da casa|dal telefono|senza esperienza|
        depuis chez vous|de chez vous|depuis la maison|sans experience|depuis votre telephone|
        argent facile|
        von zu hause|von zuhause|ohne erfahrung|vom handy|nebenbei|
        evden|telefondan|deneyim gerekmez|tecrube gerekmez|
        z domu|bez doswiadczenia|z telefonu|
        dari rumah|dari hp|modal hp|tanpa modal|tanpa pengalaman|
        tai nha|o nha|dien thoai|khong can kinh nghiem|
        из дома|не выходя из дома|с телефона|на телефоне|без опыта|опыт не нужен|
        подработк*|без вложений|
        з дому|без досвіду|з телефону|
        घर बैठे|घर से|मोबाइल से|कोई अनुभव नहीं|बिना अनुभव|
        من هاتفك|البيت|المنزل|بدون خبرة|
        スマホだけ|スマホで|在宅|簡単|副業|未経験|誰でも|
        在家|手机|手機|兼职|兼職|无需经验|無需經驗|轻松|輕鬆|副业|
        핸드폰|폰만|집에서|부업|누구나|
        ที่บ้าน|มือถือ|ไม่ต้องมีประสบการณ์|งานเสริม|
        ঘরে বসে|মোবাইল দিয়ে|
        vanuit huis|thuis|zonder ervaring|hemifran|hemma|utan erfarenhet|otthonrol|
        tapasztalat nelkul|z domova|bez zkusenosti|de acasa|fara experienta|ukiwa nyumbani|
        nyumbani|hakuna mtaji|bila uzoefu|מהבית|בלי ניסיון|ללא ניסיון|از خانه|با گوشی|
        بدون نیاز به سرمایه|بدون سرمایه
    """,
    MENTOR: """
        mentor|mentora|mentore|mentorin|account manager|investment manager|trading coach|
        financial advisor|my trader|broker|asesor|asesora|gestor|consulente|conseiller|
        conseillere|berater|beraterin|danisman|danismanim|danismani|hocasi|doradca|
        наставник*|ментор*|
        सलाहकार|मेंटोर|
        مستشار|
        メンター|師匠|
        导师|導師|
        멘토|
        fx講座|投資講座|投資の先生|先生のfx|trading course|curso de trading|
        tanacsado|szemelyes tanacsado|poradce|meneja wetu|meneja|מנהל התיק|מנהל תיק|مدیر حساب|
        tradingrobot|trading robot|ai trading|kereskedo robot|robot de trading
    """,
    THANKS: """
        thanks to|god bless|gracias a|gracas a|dank meinem|dank meiner|dank meines|grazie a|
        grazie al|merci a|sayesinde|dzieki|berkat|
        благодаря|
        बदौलत|की वजह से|
        بفضل|
        のおかげ|
        多亏|多虧|
        덕분에
    """,
    INVEST: """
        invest|investment|investing|crypto|bitcoin|btc|eth|forex|trading|usdt|binary options|
        inversion|inversiones|invertir|cripto|criptomonedas|
        investimento|investimentos|investir|
        investimenti|investissement|investition|investieren|krypto|
        yatirim|kripto|inwestycja|inwestycje|inwestowac|investasi|dau tu|tien ao|
        инвестиц*|крипт*|трейдинг*|биткоин*|
        निवेश|क्रिप्टो|ट्रेडिंग|बिटकॉइन|
        استثمار|استثمر|الاستثماري|بيتكوين|تداول|
        投資|仮想通貨|ビットコイン|暗号資産|
        投资|比特币|比特幣|加密货币|炒币|
        투자|코인|비트코인|가상화폐|
        ลงทุน|คริปโต|บิทคอยน์|
        investera|investeren|befektetes|investovat|investitie|wekeza|uwekezaji|השקעות|השקעה|
        בביטקוין|ביטקוין|سرمایه گذاری|بیت کوین|tradingrobot|kryptomeny|kryptomenami
    """,
    AUDIENCE: """
        viewers|followers|subscribers|subs|chatters|viewbot|viewbots|primes|prime subs|
        seguidores|espectadores|inscritos|suscriptores|visualizaciones|visualizacoes|
        zuschauer|abonnenten|follower|abonnes|spectateurs|spettatori|iscritti|viewer|
        takipci|izleyici|abone|widzow|obserwujacych|subskrybentow|pengikut|penonton|
        nguoi xem|mat xem|luot xem|nguoi theo doi|luot follow|
        зрител*|фолловер*|подписчик*|просмотр*|лайков|глядач*|підписник*|переглядів|
        फॉलोअर्स|व्यूअर्स|सब्सक्राइबर्स|व्यूज़|व्यूज|
        متابعين|مشاهدين|مشتركين|مشاهدات|
        視聴者|フォロワー|登録者|再生数|
        观众|觀眾|关注者|關注者|粉丝|粉絲|播放量|人气|人氣|
        시청자|팔로워|구독자|조회수|
        ผู้ติดตาม|ยอดวิว|คนดู|
        观看人数|觀看人數|追随者|追隨者|弹幕|彈幕
    """,
    SELL: """
        selling|sell|buy|cheap|cheapest|boost|free|
        gratis|gratuit|gratuits|gratuitos|gratuitas|kostenlos|kostenlose|kostenlosen|ucretsiz|
        darmowe|darmowi|gratuiti|mien phi|
        бесплатн*|безкоштовн*|
        無料|免费|免費|무료|مجانا|مجاني|मुफ्त|
        reales|reais|echte|prawdziwych|nyata|te consigo|consigo para voce|
        vendo|venda|vendemos|vendiamo|compre|compra|comprar|barato|baratos|baratas|aumentar|
        aumente|kaufe|kauft|kaufen|verkaufe|verkaufen|gunstig|gunstige|billig|billige|
        achetez|acheter|vends|vendons|pas cher|pas chers|augmenter|comprare|economici|
        prezzi bassi|satilik|satilir|ucuz|artir|kup|kupuj|sprzedam|tanio|tanie|zwieksz|
        jual|murah|beli|gia re|ban mat|ban follow|ban view|ban sub|mua|
        куп*|прода*|дешев*|недорог*|накрут*|раскрут*|продвижени*|живы*|реальн*|
        खरीदें|खरीदो|सस्ते|सस्ता|बढ़ाएं|बढ़ाओ|
        زيادة|رخيصة|بأسعار|شراء|بيع|
        satis|satisi|satiyorum|satiyoruz|uygun fiyat|
        格安|販売|購入|増やします|増やせ|増やす|増やしたい|激安|安く|提供します|
        出售|售卖|购买|購買|便宜|低价|低價|涨粉|漲粉|
        싸게|팝니다|판매|구매|늘려|늘리|저렴|만원|
        ขาย|ราคาถูก|ซื้อ|
        价格实惠|價格實惠|价格便宜|價格便宜|代刷|都能刷|刷粉|刷人气|刷人氣|提供直播
    """,
    SEND: """
        send|donate|deposit|
        envia|envie|mande|manda|sende|schick|schicke|envoyez|envoie|invia|inviate|gonder|
        wyslij|kirim|gui cho|
        отправ*|пришли|пришлите|переведи|переведите|скинь|надішли|
        भेजें|भेजो|
        أرسل|ارسل|
        送ると|送金|送って|
        转入|轉入|发送|發送|转账|
        보내면|보내주|보내세요|
        ส่ง
    """,
    BACK: """
        back|double|doubled|de vuelta|el doble|de volta|o dobro|em dobro|zuruck|doppelt|
        en retour|le double|indietro|il doppio|geri|geri al|iki kati|z powrotem|podwojnie|
        kembali|dua kali|gap doi|nhan lai|
        обратно|вдвое|вдвойне|назад|
        दोगुना|वापस|
        واحصل|احصل|ضعف|
        返って|返還|2倍|
        返还|立即返还|
        돌려|두 배|2배|
        คืน|สองเท่า
    """,
    COIN: """
        btc|bitcoin|eth|ethereum|usdt|usdc|solana|bnb|doge|xrp|
        биткоин*|
        بيتكوين|
        ビットコイン|比特币|比特幣|비트코인
    """,
    QR: "qr|qrコード|qr码|qr碼|qr코드|二维码|二維碼|큐알",
    SCAN: """
        scan|escanea|escanee|escaneia|escaneie|escanear|scannen|scanne|scannt|scannez|
        scansiona|scansionate|okut|okutun|zeskanuj|zeskanowac|pindai|quet|
        отскан*|скан*|просканир*|
        स्कैन|
        امسح|
        スキャン|読み取|
        扫描|掃描|扫码|
        스캔|찍어
    """,
    APP: """
        discord|steam|twitch|roblox|epic|app|mobile app|
        aplicacion|aplicativo|applicazione|anwendung|uygulama|aplikacja|aplikasi|ung dung|
        приложени*|додат*|
        ऐप|
        التطبيق|تطبيق|
        アプリ|ディスコード|
        应用|應用|
        앱|디스코드|
        แอป
    """,
    VERIFY: """
        verify|verification|reverification|re verification|re verify|
        verificar|verificarte|verificacion|verificacao|verifique|verifica|verifizierung|
        verifizieren|verifiziere|verifiez|verification|verificare|dogrulama|dogrula|
        weryfikacja|weryfikacji|verifikasi|xac minh|
        верификац*|подтверд*|верифік*|
        सत्यापन|
        التحقق|توثيق|
        認証|
        验证|驗證|
        인증
    """,
    THREAT: """
        will be banned|will be deleted|will be disabled|will be removed|will be kicked|
        will be suspended|get kicked|be kicked|your account was|your account has been|
        your account will|tu cuenta fue|tu cuenta sera|sua conta foi|sua conta sera|
        votre compte a ete|votre compte sera|dein konto wurde|dein konto wird|
        il tuo account e stato|il tuo account sara|twoje konto|akun kamu|твой аккаунт|ваш аккаунт|
        sera expulsado|seras expulsado|sera baneado|es obligatorio|sera eliminada|
        sera banido|sera excluido|sua conta sera|
        sera banni|sera supprime|sera suspendu|
        wirst du gekickt|wirst du gebannt|wird gesperrt|gekickt|gebannt|
        verra bannato|sara sospeso|
        banlanacak|kapatilacak|
        zostaniesz zbanowany|
        akan diblokir|
        иначе|удалят|забанят|заблокируют|
        інакше|
        سيتم حذف|سيتم حظر|
        封号|封禁|
        凍結|
        정지|차단|
        supheli giris|سيتم إيقاف|سيتم ايقاف|تم الإبلاغ عن حسابك|حسابك تم الإبلاغ
    """,
    GIFT: """
        giveaway|airdrop|prize|
        sorteo|sorteio|premio|gewinnspiel|concours|cadeau|omaggio|cekilis|hediye|konkurs|
        nagroda|hadiah|qua tang|
        розыгрыш|раздача|подарок|
        इनाम|
        مسابقة|جائزة|
        プレゼント企画|プレゼント|
        赠送活动|赠送|贈送|抽奖|
        이벤트|경품|
        แจก|
        trung thuong|nhan qua|umeshinda|zawadi|hongera|виграли|розіграш*|nyertel|vyhral jsi|
        ai castigat|gewonnen|du har vunnit
    """,
    TODAY: """
        today only|only today|solo hoy|so hoje|apenas hoje|nur heute|seulement aujourd hui|
        solo oggi|sadece bugun|tylko dzisiaj|hanya hari ini|chi hom nay|
        только сегодня|лише сьогодні|
        आज ही|
        لليوم فقط|اليوم فقط|
        本日限定|今日だけ|
        仅限今天|僅限今天|限时|
        오늘만|
        วันนี้เท่านั้น
    """,
    WARN: """
        scam|scams|scammer|scammers|scammed|fake|phishing|careful|beware|pretending|
        impersonating|posing as|don t click|dont click|
        estafa|estafador|estafadores|tengan cuidado|ten cuidado|golpe|golpista|betrug|
        betruger|vorsicht|arnaque|arnaqueur|truffa|truffatore|dolandirici|dolandiricilik|
        oszustwo|oszust|penipuan|penipu|hati hati|lua dao|
        мошенни*|развод*|осторожно|шахра*|обман*|
        धोखा|सावधान|फर्जी|
        احتيال|نصاب|احذروا|
        詐欺|骗子|騙子|诈骗|詐騙|
        사기|조심|
        หลอกลวง|มิจฉาชีพ|
        fell for|almost fell|nearly fell|jangan di scan|jangan scan|nyuri|mencuri|curi akun|
        крадіжка|кража|крадуть|воруют|roubo|robo de cuenta|diebstahl|vol de compte|
        نصيحة للجميع|انتبهوا|نصب|
        phishingu|phishingem|oplichting|oplichter|oplichters|nepaccount|podvod|podvodnik|podvodnici|csalas|csalo|
        bedrageri|bedragare|blufa|inselaciune|utapeli|matapeli|tapeli|απατη|απατεωνες|
        הונאה|ההונאה|נוכל*|کلاهبرداری|کلاهبردار
    """,
    STREAMS: "streams|plays|listeners|monthly listeners|likes|members|saves",
    CODE: """
        password|passcode|login code|verification code|security code|2fa code|2fa|sms code|
        auth code|backup codes|
        contrasena|codigo de verificacion|codigo de acceso|codigo de seguridad|
        senha|codigo de verificacao|codigo de acesso|codice di verifica|
        mot de passe|code de connexion|code de verification|code de securite|
        passwort|login code|bestatigungscode|sicherheitscode|anmeldecode|
        sifre|sifreni|dogrulama kodu|giris kodu|haslo|kod weryfikacyjny|kod logowania|
        kata sandi|kode verifikasi|kode otp|otp|mat khau|ma xac minh|
        пароль|парол*|код подтверждения|код из смс|код входа|
        पासवर्ड|ओटीपी|
        كلمة المرور|رمز التحقق|
        パスワード|認証コード|確認コード|
        密码|密碼|验证码|驗證碼|
        비밀번호|인증번호|인증 코드|
        비번|账号密码|帳號密碼
    """,
    STAFF: """
        i work at|i work for|we work at|im from|i am from|we are from|were from|on behalf of|
        trabajo en|trabajo para|soy de|soy del|somos de|somos del|del equipo de|equipo de soporte|
        trabalho na|trabalho no|sou da|sou do|somos da|da equipe|de l equipe|vom team|dell team|
        je travaille chez|je suis de|nous sommes de|ich arbeite bei|ich bin vom|ich bin von|
        wir sind vom|lavoro per|lavoro in|sono del|sono della|calisiyorum|ekibinden|
        pracuje w|jestem z|saya dari|kami dari|
        я из|я работаю в|мы из|служба поддержки|поддержка|
        से हूं|
        أنا من|نحن من|فريق الدعم|
        サポートチーム|運営|
        官方客服|客服|
        운영팀|고객센터|
        destek ekibi|musteri hizmetleri|فريق دعم|الدعم الفني
    """,
    YOUR: """
        your|ur|tu|tus|tuo|tua|ton|ta|tes|votre|vos|dein|deinen|deine|deiner|euer|eure|seu|sua|
        teu|twoj|twoje|twojego|senin|sizin|kamu|anda|mu|cua ban|
        твой|твою|твоего|ваш|вашу|вашего|ваши|свой|свою|твій|твою|ваш|
        तुम्हारा|आपका|अपना|
        あなたの|你的|您的|당신의|
        حسابك|كلمة مرورك
    """,
    LOAN: """
        loan|loans|prestamo|prestamos|emprestimo|emprestimos|kredit|kredite|credito|pret|prets|
        prestito|prestiti|kredi|pozyczka|pozyczki|pinjaman|khoan vay|vay tien|
        кредит*|займ*|
        लोन|قرض|قروض|ローン|贷款|貸款|대출
    """,
    SIDEJOB: """
        side job|side hustle|side gig|work from home|remote job|
        trabajo extra|trabajo desde casa|renda extra|trabalho em casa|lavoretto|lavoro da casa|
        nebenjob|heimarbeit|travail a domicile|praca dorywcza|praca zdalna|kerja sampingan|
        viec lam them|viec nhe luong cao|ek is|evden is|
        подработк*|удалённая работа|удаленная работа|
        副業|在宅ワーク|兼职|兼職|刷单|部업|부업|재택 부업|
        عمل من المنزل|فرصة عمل|
        पार्ट टाइम जॉब|घर से काम|
        we are hiring|were hiring|now hiring|tunaajiri|nafasi za kazi|vacature|vacatures
    """,
    SERVICE: """
        commissions|commission|commissions open|hire me|taking orders|i offer|we offer|
        per song|per track|per beat|per video|per edit|per design|per drawing|per logo|
        per thumbnail|per overlay|per emote|per mix|per session|per lesson|
        encomendas|comisiones|encargos|auftrage|comissoes|заказы|
        1曲|依頼|承ります|커미션||
        grafiky|grafiki|levne grafiky|tanie grafiki|overlay|overlaye|overlayu|emotki|grafika
    """,
    PROFILE: """
        check my profile|look at my profile|see my profile|view my profile|visit my profile|
        check my bio|look at my bio|see my bio|read my bio|my bio|
        pics on my profile|photos on my profile|pics in my profile|on my profile|
        mira mi perfil|revisa mi perfil|ve mi perfil|mi bio|
        olha minha bio|olhem minha bio|minha bio|olha meu perfil|ve meu perfil|
        guarda il mio profilo|la mia bio|
        regarde mon profil|regardez mon profil|ma bio|
        schau in mein profil|schaut in mein profil|schaut in meinem profil|meine bio|
        bekijk mijn profiel|mijn profiel|mijn bio|profilime bak|profilime bakin|
        zobacz moj profil|lihat profil aku|lihat profil saya|cek profil|
        мой профиль|мою анкету|мій профіль|
        בפרופיל שלי|הפרופיל שלי|לפרופיל שלי|
        ჩემი პროფილი|ჩემს პროფილს|
        البايو|بروفايل|البروفايل|
        プロフ|主页|主頁|我的照片|프로필
    """,
    LONELY: """
        im lonely|so lonely|im alone|alone tonight|all alone|so bored|im bored|
        estoy sola|muy sola|sola en casa|estou sozinha|sozinha em casa|sono sola|
        je suis seule|toute seule|ich bin allein|ganz allein|yalnizim|jestem sama|
        aku sendiri|kesepian|
        одна дома|мне скучно|скучаю|мені сумно|
        לבד|
        მარტო|
        وحيدة|
        寂しい|さみしい|一个人在家|好无聊|好寂寞|一個人在家|심심해|외로워|
        je cherche quelquun|looking for someone nice|looking for someone to talk|
        busco a alguien|procuro alguem|suche jemanden|
        im a widow|i am a widow|a widow from|looking for a kind man|ensam|valdigt ensam|
        sa ensam|je mi smutno|smutno|jsem sama|einsam|so einsam|sendirian|lagi sendirian|
        peke yangu|niko peke yangu|egyedul vagyok|maganyos|singura|eenzaam|μονη|μόνη|تنها هستم|
        من تنها|เหงา|หาเพื่อนคุย
    """,
    GAMBLE: """
        casino|casinos|online casino|live casino|canli casino|slot gacor|slot online|gacor|
        judol|togel|situs slot|bahis|canli bahis|bahis sitesi|iddaa|apuestas|casa de apuestas|
        apostas|site de apostas|aviator predictor|aviator signals|betting tips|sure odds|
        fixed matches|fixed match|sportsbook|baccarat|roulette online|
        казино|ставки на спорт|букмекер*|
        كازينو|مراهنات|
        娱乐城|娛樂城|博彩|体育竞猜|體育競猜|赌场|賭場|百家乐|百家樂|老虎机|オンラインカジノ|
        카지노|바카라|토토사이트|슬롯|สล็อต|บาคาร่า|เว็บพนัน
    """,
    BONUS: """
        bonus|bonusu|bono|bonos|welcome bonus|new member|member baru|deposit|depo|deposito|
        free spins|freespins|free spin|cashback|rakeback|hosgeldin|yatirim|cevrim|maxwin|
        бонус*|фриспин*|депозит*|
        مكافأة|إيداع|
        首充|首存|返水|充值送|入金|가입즉시|첫충|입금|โบนัส|ฝากถอน|
        注册送|彩金|送彩金
    """,
    CHAIN: """
        copy this message|copy and paste this|copy paste this|share this message|
        forward this message|forward this to|send this to|pass this on|repost this|
        copia este mensaje|copia y pega|reenvia este|compartilhe esta mensagem|repassem|
        kopyalasin|bu mesaji|kopiuj|przekaz dalej|teruskan pesan|sebarkan pesan|
        перешлите|перешліть|перешли это|отправь это сообщение|разошлите|поширте|
        انشر هذه الرسالة|انشرها|
        转发|轉發|复制这条|複製這條
    """,
    LUCK: """
        bad luck|years of bad luck|will die|mala suerte|azar|pech|nieszczescie|sial|
        yedi yil|sansi kapanir|kotu sans|
        несчастье|несчастья|нещастя|всем знакомым|всім знайомим|
        سوء الحظ|
        厄运|霉运|厄運|黴運
    """,
    RECOVER: """
        recovered my|recover your|recovered our|recover stolen|recovery expert|fund recovery|
        recover lost|recovers stolen|recupero|recuperou|recuperar tu|wiederhergestellt|
        recupere|geri aldi|odzyskal|вернул мне|вернула мне|استرجع|
        recover funds|recover your funds|can recover|we recover|visszaszerzi|visszaszerezzuk|
        vrati|vratime|watarudisha|kurudisha pesa|повернуть ваші кошти|повернемо|вернем ваши|
        بازیابی|追回|帮你追回|recuperam|recuperamos|terugkrijgen
    """,
    ACCESS: """
        to get access|get access|to claim|to receive|to keep your|to join the server|to enter|
        para recibir|para acceder|para entrar|pra receber|para receber|para acessar|
        um zugang|zur verifizierung|pour recevoir|pour acceder|per ricevere|almak icin|
        aby otrzymac|untuk mendapatkan|de nhan|
        чтобы получить|для доступа|для верификации|
        受け取る|领取|領取|받으려면
    """,
}

# Scripts written without spaces between words, and Arabic (articles and pronouns attach):
# their entries match anywhere in the text.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff"
                       r"\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")  # fmt: skip
# Arabic: spaced, but "and", "the", "with" attach in front ("والاستثمار") and pronouns behind
# ("قناتي"): its words are stems, looked for with and without those prefixes.
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ARABIC_PREFIX = re.compile(r"^(?:[وفبلك]?ال|[وفبلك])(?=..)")


# Words that turn a warning word into a reassurance ("100% legit, not a scam").
_NEGATIONS = frozenset(
    skeleton(w) for w in "not no nao kein keine pas nie bukan khong degil не ні нет".split()
)


_Phrase = tuple[tuple[str, ...], int, frozenset[str], int]  # words, anchor, other words, bit


class Lexicon:
    """The concepts a message touches, as a bit mask (see the constants above)."""

    __slots__ = ("_by_other", "_first_chars", "_phrase_keys", "_phrases", "_stems", "_substrings",
                 "_token_stems", "_word_keys", "_words", "anchors")  # fmt: skip

    def __init__(self, lexicon: dict[int, str], triggers: int) -> None:
        words: dict[str, int] = {}
        stems: dict[str, list[tuple[str, int]]] = {}
        # A phrase is indexed by its longest word (the rarest, usually): "a day" by "day".
        phrases: dict[str, list[_Phrase]] = {}
        substrings: dict[str, list[tuple[str, int]]] = {}
        anchors: set[str] = set()
        for bit, text in lexicon.items():
            for entry in (e.strip() for e in text.split("|")):
                if not entry:
                    continue
                if _UNSPACED.search(entry):
                    folded = fold(entry).text
                    substrings.setdefault(folded[0], []).append((folded, bit))
                    continue
                stem = entry.endswith("*") or (
                    " " not in entry and _ARABIC.search(entry) is not None
                )
                parts: list[str] = []
                for piece in entry.rstrip("*").split("~"):
                    parts += [*skeleton(piece).split(), "~"]
                parts.pop()
                if not parts:
                    continue
                if stem:
                    if len(parts) != 1 or parts[0].isascii() or len(parts[0]) < 3:
                        raise ValueError(f"lexicon: bad stem {entry!r}")
                    stems.setdefault(parts[0][:3], []).append((parts[0], bit))
                    continue
                if len(parts) == 1:
                    key = parts[0]
                    words[key] = words.get(key, 0) | bit
                else:
                    k = max(range(len(parts)), key=lambda j: (len(parts[j]), j))
                    key = parts[k]
                    others = frozenset(parts) - {key, "~"}
                    phrases.setdefault(key, []).append((tuple(parts), k, others, bit))
                if bit & triggers:
                    anchors.add(key)
        self._words = words
        self._word_keys = frozenset(words)
        self._stems = stems
        self._phrases = phrases
        self._phrase_keys = frozenset(phrases)
        self._by_other: dict[str, dict[str, list[_Phrase]]] = {}
        for key, entries in phrases.items():
            index = self._by_other[key] = {}
            for entry in entries:  # (a phrase of one word said twice is its own other word)
                index.setdefault(min(entry[2] or {key}), []).append(entry)
        self._substrings = substrings
        # Where an entry of an unspaced script may start: the loop below visits those places
        # only (one C-level scan instead of a Python step per character).
        firsts = "".join(re.escape(ch) for ch in sorted(substrings))
        self._first_chars = re.compile(f"[{firsts}]" if firsts else "(?!)")
        self._token_stems: dict[str, int] = {}  # a non-ASCII word -> its stems' concepts, kept
        # Words of the concepts a shape needs: an ASCII message with none of them has no shape
        # (one set intersection), so the modifiers ("your", "back", "a day") cost nothing alone.
        self.anchors = frozenset(anchors)

    def concepts(self, tokens: Sequence[str], folded: str, ascii: bool) -> int:
        """The concepts of a message, from its match tokens and folded text."""
        if ascii and self.anchors.isdisjoint(tokens):
            return 0
        found = 0
        present = set(tokens)
        words = self._words
        for word in self._word_keys.intersection(present):
            found |= words[word]
        for key in self._phrase_keys.intersection(present):
            # The phrases of this word, by one of their other words: only those whose words
            # are all here are looked for in place.
            by_other = self._by_other[key]
            for other in by_other.keys() & present:
                for parts, k, others, bit in by_other[other]:
                    if others <= present and not found & bit:
                        for i, token in enumerate(tokens):
                            if token == key and _around(tokens, i, parts, k):
                                found |= bit
                                break
        if found & WARN:
            found &= ~WARN
            for i, token in enumerate(tokens):
                if words.get(token, 0) & WARN or _warn_phrase(self._phrases.get(token), tokens, i):
                    if _NEGATIONS.isdisjoint(tokens[max(0, i - 2) : i]):
                        found |= WARN  # "not a scam", "no es estafa": a reassurance, no warning
                        break
        if ascii:
            return found
        known = self._token_stems
        for token in tokens:
            if not token.isascii():
                bits = known.get(token)
                if bits is None:
                    bits = self._stem_bits(token)
                    if len(known) >= 50_000:
                        known.clear()
                    known[token] = bits
                found |= bits
        if _UNSPACED.search(folded):
            subs = self._substrings
            for m in self._first_chars.finditer(folded):
                i = m.start()
                for text, bit in subs[m.group()]:
                    if folded.startswith(text, i):
                        found |= bit
        return found

    def _stem_bits(self, token: str) -> int:
        """The concepts whose stems begin this (non-ASCII) word, or its Arabic bare form."""
        found = 0
        stems = self._stems
        for stem, bit in stems.get(token[:3], ()):
            if token.startswith(stem):
                found |= bit
        if _ARABIC.match(token):
            bare = _ARABIC_PREFIX.sub("", token)
            if bare != token:
                for stem, bit in stems.get(bare[:3], ()):
                    if bare.startswith(stem):
                        found |= bit
        return found


def _warn_phrase(
    entries: list[tuple[tuple[str, ...], int, frozenset[str], int]] | None,
    tokens: Sequence[str],
    i: int,
) -> bool:
    """Whether a warning phrase ("be careful") is anchored at ``tokens[i]``."""
    return bool(entries) and any(
        bit & WARN and _around(tokens, i, parts, k) for parts, k, _, bit in entries or ()
    )


def _around(tokens: Sequence[str], i: int, parts: tuple[str, ...], k: int) -> bool:
    """Whether the phrase ``parts``, whose word ``k`` is ``tokens[i]``, is written there."""
    return _follows(tokens, i + 1, parts[k + 1 :]) and _follows(
        tokens[i - 1 :: -1] if i else [], 0, parts[k - 1 :: -1] if k else ()
    )


def _follows(tokens: Sequence[str], at: int, rest: tuple[str, ...]) -> bool:
    """Whether ``rest`` comes at ``tokens[at:]``; a "~" in it skips up to two words ("our ~
    server" is "our server", "our minecraft server", "our new minecraft server")."""
    if "~" not in rest:
        return tuple(tokens[at : at + len(rest)]) == rest
    for k, word in enumerate(rest):
        if word == "~":
            tail = rest[k + 1 :]
            return any(_follows(tokens, at + skip, tail) for skip in range(3))
        if at >= len(tokens) or tokens[at] != word:
            return False
        at += 1
    return True


# Concepts a shape can be built on; the rest only modify one (see cogs.warden.shapes).
TRIGGERS = (
    FOLLOW | FOLLOWME | MINE | SERVICE | EARN | EASY | MENTOR | RECOVER | AUDIENCE | STREAMS
    | COIN | GIFT | QR | VERIFY | CODE | THREAT | SEND | STAFF | LOAN | SIDEJOB | INVEST
    | PROFILE | GAMBLE | CHAIN | LONELY
)  # fmt: skip


# Warnings are looked for too: one disarms the sentence rules ("cuidado, es estafa").
LEXICON = Lexicon(_LEXICON, TRIGGERS | WARN)


def concepts(text: str) -> int:
    """The concepts of a raw text (for tests and tools; the View computes its own)."""
    from cogs.warden.normalize import match_tokens

    folded = fold(text).text
    return LEXICON.concepts(match_tokens(folded), folded, text.isascii())


def names(mask: int) -> list[str]:
    """The concept names in a mask, for reasons and tests."""
    return [name for name, bit in _NAMES.items() if mask & bit]


_NAMES: dict[str, int] = {
    name: value
    for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, int) and value > 0 and value & (value - 1) == 0
}
