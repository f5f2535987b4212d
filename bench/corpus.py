"""Believable support-forum text from a seeded RNG, for load and scale benchmarks.

Real forum text is what makes rendering, page weight and (later) search
behave as in production: a few thousand distinct words with a Zipf-like
spread, sentences of varied length, Markdown with lists, code and links.
Everything derives from one `random.Random`, so two runs with the same
seed build the same database.
"""
import random
from itertools import accumulate

NOUNS = """
account address adapter alert app application attachment backup balance battery bill billing bluetooth
browser bug button cable cache calendar card cartridge certificate channel charge checkout client cloud
code company computer configuration connection contract cookie copy counter coupon credit customer
dashboard data database date default delivery device dialog discount display document domain download
driver drum duplex email endpoint entry error event export extension fax feature fee field file filter
firmware folder form format function gateway guide hardware header history host icon image import inbox
installer integration interface invoice issue item job key keyboard label language laptop layout level
license light limit link list location lock log login machine mail manual margin menu message method
mode model modem monitor network notification number option order output owner package page panel paper
parcel partner password patch payment permission phone plan plugin port portal power preview price
printer problem process product profile project proxy queue quota receipt record refund region release
report request reset response return role router scan scanner schedule screen script search seat
section server service session setting setup signal signature size software speed spooler status
storage subscription summary support switch sync system tab tablet tax team template tenant ticket
timeout toner token tool tracking transfer tray trial update upgrade upload user version voucher wallet
warranty webhook website window wizard workflow workspace agent alias analytics appliance archive
article audit avatar badge bandwidth banner barcode batch bay bracket branch bucket buffer bundle cabinet
camera capacity carrier cell chip cluster colour column command comment console contact container
controller conversion core cost country cover cursor cycle deadline deposit desk destination diagnostics
digit directory discussion disk dispatch drawer duty edition editor element enclosure engine envelope
environment exception expense family fan feed feedback fingerprint fleet font footer frame gap gear
grid group handbook hinge hub identity incident index ink instance inventory jack kit lamp lane laser
lid line loader lot manager mapping marker member memory meter mirror module mount node note office
outage override pad panel pattern payload peak pin pipeline plate platform policy pool preference
prefix printout priority privacy promo prompt protocol provider quote rack rate reader reason reboot
reference refill registry reminder rendering replica repository resolution resource restart result
retry roller route row rule sample sandbox scale scheduler scope sensor sequence shelf shipment
shortcut slot socket source spam spec spreadsheet stack stamp statement step sticker stock stream
string subnet suffix supplier surface tag target task terminal theme thread threshold tile timestamp
timezone toggle topic trace transaction trigger unit usage value vendor vendor viewer volume warning
watermark weight widget zone
"""
VERBS = """
accept access activate add allow apply appear arrive assign attach authenticate block boot break
cancel change charge check clean clear click close complete configure confirm connect contact copy
crash create delete deliver detect disable disconnect display download drop edit enable enter expire
export fail fetch find fix follow forward freeze generate handle hang ignore import install jam keep
load lock log lose merge migrate miss move need open order pair pay ping print process receive refresh
register reinstall reject reload remove rename renew repair replace report request require reset
resolve restart restore retry return revoke roll run save scan schedule select send set share show
skip start stop submit switch sync test time track transfer trigger try turn unlock update upgrade
upload use verify wait work adjust archive attempt backup bookmark bounce browse calibrate capture
compare compress convert debug decline decode deploy describe discover dismiss dispatch duplicate eject
email encode estimate exceed extend feed filter flash flush format grant highlight inspect invite
invoice label launch limit link list lookup manage map mark measure mention mount notify offer
overwrite paste patch pause place plug post prefer preview print prompt provide publish purchase
queue quote reach read rebuild reboot recall recover redirect reduce refund release remind render
reorder repeat reply resend reserve respond resume review rotate route scroll search seal settle
sign sort split store stream subscribe suggest support suspend swap tag toggle translate trust
unplug unsubscribe validate view warn wipe
"""
ADJECTIVES = """
active annual automatic available blank blocked broken busy cheap clean correct current damaged
default different double duplicate empty encrypted english expensive extra faint fast faulty first
free full german global hidden huge important incorrect invalid last late local lost main manual
missing mobile monthly new normal official old online optional original paid pending personal
previous primary private public quick random recent red remote secure separate shared short silent
simple slow small stable strange strict stuck sudden temporary unknown unusual urgent valid visible
weird wireless wrong yearly accurate advanced affected ambiguous basic bright certified colour
compatible complex consistent corporate corrupt critical custom dark dedicated detailed disabled
dynamic early enabled entire expired external faulty flexible frequent generic grey heavy high
identical inactive incomplete infinite initial internal isolated legacy light limited linked long
low minor mixed modern multiple narrow native nested noisy obsolete offline overdue partial
permanent physical portable premium proper quiet raw ready regional regular reliable remaining
required responsive restricted safe scheduled second sensitive serious similar single smart
specific standard strong successful suspicious synced thin tiny total unable unexpected unpaid
unread unsupported unused verified virtual wide
"""
ADVERBS = """
again already always automatically completely constantly correctly daily eventually finally
immediately instead intermittently manually never now occasionally only randomly recently
sometimes still suddenly today twice usually yesterday
"""
PRODUCTS = """
P100 P200 P300 P350 P500 P900 S10 S20 S40 X1 X5 Windows macOS Linux Android iOS Chrome Firefox Safari
Edge Outlook Gmail Zapier Slack Teams Azure Okta SAML SSO SMTP IMAP VPN DNS HTTPS TLS USB Wi-Fi PDF CSV
JSON API REST OAuth SEPA PayPal Visa Mastercard DHL UPS FedEx
"""
FUNCTION_WORDS = """
the a an my our this that it and or but so because when after before since while if although
with without from into onto over under between during through about for to of in on at by
"""
GERMAN = """
Rechnung Drucker Anmeldung Passwort Lieferung Versand Zahlung Konto Fehler Fehlermeldung Problem Lösung
Treiber Einstellung Einstellungen Benutzer Kunde Bestellung Rücksendung Paket Gerät Verbindung Netzwerk
Abonnement Kündigung Erstattung Gutschrift Lastschrift Papierstau Patrone Toner Scanner Druckauftrag
Aktualisierung Software Firmware Anleitung Handbuch Garantie Reparatur Ersatzteil Kabel Netzteil
funktioniert leider seit gestern heute immer wieder nicht mehr trotzdem bereits schon noch danke
bitte Hilfe Frage Antwort Lösungsvorschlag Neustart neu installiert geprüft getestet gelöscht
hinzugefügt geändert angezeigt gedruckt gescannt verbunden getrennt gesperrt entsperrt bestätigt
"""
OPENERS = [
    "Hi everyone,", "Hello,", "Hi team,", "Good morning,", "Quick question:", "Since yesterday",
    "After the last update", "We recently switched plans and", "I have been trying for hours and",
]
CLOSERS = [
    "Any ideas?", "Thanks in advance!", "Has anyone seen this before?", "What am I missing?",
    "Is this a known issue?", "Any help is appreciated.", "Hope this helps.", "Let me know if that works.",
]


IRREGULAR_PAST = {
    "break": "broke", "find": "found", "freeze": "froze", "hang": "hung", "keep": "kept", "lose": "lost",
    "pay": "paid", "read": "read", "run": "ran", "send": "sent", "set": "set", "show": "showed",
}
DOUBLE_FINAL_CONSONANT = {"drop", "jam", "log", "plan", "plug", "prefer", "run", "set", "ship", "skip", "stop", "submit",
                          "swap", "tag", "unplug", "map", "wrap"}


def _inflect_noun(noun: str) -> list[str]:
    if noun.endswith(("s", "x", "ch", "sh")):
        return [noun, noun + "es"]
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return [noun, noun[:-1] + "ies"]
    return [noun, noun + "s"]


def _inflect_verb(verb: str) -> list[str]:
    """Base, third person, past and -ing: enough English for text that reads like English."""
    if verb in DOUBLE_FINAL_CONSONANT:
        stem = verb + verb[-1]
    elif verb.endswith("e") and not verb.endswith("ee"):
        stem = verb[:-1]
    else:
        stem = verb
    if verb.endswith(("s", "x", "ch", "sh")):
        third = verb + "es"
    elif verb.endswith("y") and verb[-2] not in "aeiou":
        third = verb[:-1] + "ies"
    else:
        third = verb + "s"
    if verb in IRREGULAR_PAST:
        past = IRREGULAR_PAST[verb]
    elif verb.endswith("y") and verb[-2] not in "aeiou":
        past = verb[:-1] + "ied"
    else:
        past = stem + "ed"
    return [verb, third, past, stem + "ing"]


def _codes() -> list[str]:
    """Model numbers, error codes and versions: the rare tokens people search for."""
    models = [f"{series}{number}" for series in "PSXM" for number in range(100, 1000, 25)]
    errors = [f"E{number:02d}" for number in range(1, 100)] + [f"0x800{number:03X}" for number in range(0, 4096, 23)]
    versions = [f"{major}.{minor}" for major in range(1, 10) for minor in range(10)]
    return models + errors + versions


def build_vocabulary() -> dict[str, list[str]]:
    """Word classes with their inflected forms: about 3,000 distinct tokens."""
    return {
        "noun": sorted({form for word in NOUNS.split() for form in _inflect_noun(word)}),
        "verb": sorted({form for word in VERBS.split() for form in _inflect_verb(word)}),
        "adjective": sorted(set(ADJECTIVES.split())),
        "adverb": ADVERBS.split(),
        "product": PRODUCTS.split(),
        "code": _codes(),
        "german": GERMAN.split(),
        "function": FUNCTION_WORDS.split(),
    }


class TextGenerator:
    """Titles, sentences and Markdown bodies drawn with Zipf-like word frequencies.

    Common words stay common and rare words stay rare, as in real posts, so
    rendering and search see a realistic mix rather than uniform noise.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = build_vocabulary()
        self._weights = {kind: list(accumulate(1 / (rank + 1) for rank in range(len(words))))
                         for kind, words in self.words.items()}
        for words in self.words.values():
            rng.shuffle(words)

    @property
    def size(self) -> int:
        """Distinct tokens, printed by the seeder so a reader can judge the variety."""
        return len({word for words in self.words.values() for word in words})

    def word(self, kind: str) -> str:
        return self.rng.choices(self.words[kind], cum_weights=self._weights[kind])[0]

    def sentence(self) -> str:
        pick = self.word
        shapes = (
            lambda: f"{pick('function')} {pick('adjective')} {pick('noun')} {pick('verb')} {pick('adverb')}",
            lambda: f"the {pick('product')} {pick('noun')} {pick('verb')} with error {pick('code')}",
            lambda: f"I {pick('verb')} {pick('function')} {pick('noun')} but it {pick('verb')} "
                    f"{pick('function')} {pick('adjective')} {pick('noun')}",
            lambda: f"{pick('adverb')} the {pick('noun')} {pick('verb')} {pick('function')} "
                    f"{pick('product')} and {pick('noun')} {pick('verb')}",
            lambda: f"our {pick('adjective')} {pick('noun')} {pick('verb')} {pick('adverb')} after "
                    f"{pick('noun')} {pick('verb')} on {pick('product')} {pick('code')}",
        )
        text = self.rng.choice(shapes)()
        return text[0].upper() + text[1:] + self.rng.choice(".....?!")

    def title(self) -> str:
        pick = self.word
        shapes = (
            lambda: f"{pick('product')} {pick('noun')} {pick('verb')} after {pick('noun')} {pick('verb')}",
            lambda: f"How do I {pick('verb')} the {pick('adjective')} {pick('noun')}?",
            lambda: f"Error {pick('code')} when {pick('verb')} {pick('noun')} on {pick('product')}",
            lambda: f"{pick('adjective').capitalize()} {pick('noun')} {pick('adverb')} {pick('verb')}",
            lambda: f"Can't {pick('verb')} {pick('noun')} with {pick('product')} {pick('noun')}",
        )
        return self.rng.choice(shapes)()[:150]

    def german_sentence(self) -> str:
        """German posts are a minority in the demo community; they keep the word mix bilingual."""
        words = [self.word("german") for _ in range(self.rng.randint(4, 10))]
        return " ".join(words).capitalize() + self.rng.choice("..?")

    def paragraph(self, low: int = 2, high: int = 6, german: bool = False) -> str:
        sentence = self.german_sentence if german else self.sentence
        return " ".join(sentence() for _ in range(self.rng.randint(low, high)))

    def markdown_body(self, question: bool) -> str:
        """A question or answer as people write them: prose, sometimes steps, code or a link."""
        rng = self.rng
        if rng.random() < 0.08:
            return "\n\n".join(self.paragraph(german=True) for _ in range(rng.randint(1, 3)))
        parts = [f"{rng.choice(OPENERS)} {self.paragraph()}" if question else self.paragraph()]
        for _ in range(rng.randint(0, 3)):
            extra = rng.random()
            if extra < 0.3:
                parts.append("\n".join(f"{n}. {self.sentence()}" for n in range(1, rng.randint(3, 6))))
            elif extra < 0.45:
                parts.append(f"```\n{self.word('product')} {self.word('code')}: {self.word('noun')} "
                             f"{self.word('verb')} ({self.word('adjective')})\n```")
            elif extra < 0.55:
                parts.append(f"See https://support.example.com/{self.word('noun')}/{self.word('code')} "
                             f"for the **{self.word('adjective')}** steps.")
            else:
                parts.append(self.paragraph(1, 5))
        parts.append(rng.choice(CLOSERS))
        return "\n\n".join(parts)
