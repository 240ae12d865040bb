"""Modality of evidence (indicators.modality): a table of sentences with their anchors.

Each row is (expected, headline?, anchor words, sentence). The anchor words stand for the
indicator's query terms: every token of the sentence equal to one of them is an anchor (as
``indicators.text.tokenize`` splits it). All sentences are written for this table.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from indicators.modality import CueSet, _compile_phrase, decide_modality, load_cues
from indicators.model import CueLists, Modality
from indicators.sentences import scan
from indicators.text import tokenize

OCC, ANT, NEG = Modality.OCCURRED, Modality.ANTICIPATED, Modality.NEGATED
H, B = True, False  # headline or body text


def anchors_of(sentence: str, words: str) -> list[int]:
    wanted = set(tokenize(words))
    return [i for i, tok in enumerate(tokenize(sentence)) if tok in wanted]


def ambiguous(reason: str, *row: Any) -> Any:
    """A row the procedure gets the other way: debatable, or a known miss; ``reason`` says."""
    return pytest.param(*row, marks=pytest.mark.xfail(reason=reason, strict=True))


HEADLINES: list[Any] = [
    (OCC, H, "pact", "India, Russia sign pact on shipping corridor"),
    (ANT, H, "pact", "India, Russia to sign pact on shipping corridor"),
    (OCC, H, "deal", "Rosneft inks crude supply deal with Indian refiner"),
    (ANT, H, "deal", "Indian refiner, Rosneft to ink crude supply deal"),
    (OCC, H, "framework", "India and Russia seal rupee-rouble payment framework"),
    (OCC, H, "statement", "Moscow, New Delhi adopt joint statement on energy security"),
    (OCC, H, "venture", "Indian, Russian firms launch joint venture for rail components"),
    (ANT, H, "agreements", "Putin visit: India, Russia set to sign 10 agreements"),
    (ANT, H, "deal", "India, Russia may sign nuclear power deal during summit"),
    (NEG, H, "rupee", "India, Russia fail to agree on rupee trade mechanism"),
    (ANT, H, "production", "India, Russia agree to explore joint production of aircraft parts"),
    (OCC, H, "trade", "India, Russia agree on roadmap for trade in national currencies"),
    (NEG, H, "lng", "No deal yet on Indian purchases of Russian LNG"),
    (NEG, H, "crude", "Reliance halts Russian crude imports after new sanctions"),
    (OCC, H, "oil", "Indian refiners resume Russian oil purchases"),
    (NEG, H, "oil", "Indian state refiners cut Russian oil imports to zero"),
    (NEG, H, "deliveries", "S-400 deliveries to India delayed again"),
    (ANT, H, "platform", "India, Russia in talks to set up rupee payment platform"),
    (ANT, H, "fertiliser", "India eyes Russian fertiliser deal"),
    (ANT, H, "arctic", "Russia, India hold talks on Arctic shipping route"),
    (OCC, H, "modi putin", "Modi, Putin hold talks in New Delhi"),
    (OCC, H, "", "India and Russia ink 16 pacts at annual summit"),
    (ANT, H, "mobility", "India, Russia likely to finalise labour mobility pact"),
    (NEG, H, "rupee", "Rupee trade mechanism stuck over pricing dispute"),
    (NEG, H, "nuclear", "India-Russia nuclear deal: talks stall over liability"),
    (NEG, H, "deal", "Rosneft-Nayara stake deal collapses"),
    (ANT, H, "crude", "Russia to supply more crude to India from January"),
    (OCC, H, "crude", "Russia supplies record volume of crude to India"),
    (NEG, H, "coal", "Indian firms shelve plans for Russian coal mine stake"),
    (OCC, H, "unit", "Kudankulam unit 3 commissioned"),
    (ANT, H, "corridor", "Chennai-Vladivostok corridor to be operational by 2027"),
    (OCC, H, "production", "Indo-Russian rifle venture begins production in Amethi"),
    (NEG, H, "payments", "Sanctions: Indian banks stop processing payments for Russian oil"),
    (ANT, H, "trade", "India, Russia should expand trade in national currencies: Lavrov"),
    (OCC, H, "brahmos", "BrahMos export order clinched"),
    (ANT, H, "stake", "Russia offers India stake in Arctic LNG project"),
    (OCC, H, "putin", "Putin arrives in New Delhi for annual summit"),
    (NEG, H, "deal", "India not to sign Russian oil deal this year"),
    (ANT, H, "s 400", "Will India order more S-400 systems?"),
    (OCC, H, "frigate", "Navy receives second Russian-built frigate"),
    (ANT, H, "mir rupay", "India mulls linking RuPay with Russia's Mir"),
    (OCC, H, "vostro", "RBI clears more vostro accounts for Russian banks"),
    (ANT, H, "oil", "Indian refiners weigh Russian oil buys after sanctions"),
    (NEG, H, "oil", "Indian refiners pause Russian oil orders"),
    (OCC, H, "", "Jaishankar meets Lavrov, reviews ties"),
    (ANT, H, "summit", "Putin's December visit: what to expect from the summit"),
    (ANT, H, "pact", "India, Russia close to finalising defence logistics pact"),
    (OCC, H, "pact", "Russian Duma ratifies military logistics pact with India"),
    (OCC, H, "ruble rupee", "Rupee-rouble trade gets a boost as banks open new accounts"),
    (NEG, H, "visit", "Putin's visit to India postponed"),
]

WIRE: list[Any] = [
    (
        OCC,
        B,
        "agreement",
        "NEW DELHI (Reuters) - India and Russia signed an agreement on Friday to expand"
        " cooperation in nuclear energy, officials said.",
    ),
    (
        ANT,
        B,
        "agreement",
        "India and Russia are expected to sign an agreement on the mobility of skilled workers"
        " during Putin's visit next month.",
    ),
    (
        ANT,
        B,
        "pact",
        "The two sides have been negotiating a free trade pact between India and the Eurasian"
        " Economic Union for over a year.",
    ),
    (
        OCC,
        B,
        "fuel",
        "Rosatom said on Tuesday it had delivered the first batch of fuel for the third unit.",
    ),
    (
        NEG,
        B,
        "orders",
        "Indian state refiners have not placed any orders for Russian crude for December"
        " loading, trade sources said.",
    ),
    (
        OCC,
        B,
        "rupee",
        "The rupee payment mechanism has been in operation since 2022, a central bank official"
        " said.",
    ),
    (
        OCC,
        B,
        "oil",
        "India's imports of Russian oil rose 12% in October from the previous month, data from"
        " ship-tracking firms showed.",
    ),
    (
        ANT,
        B,
        "deal",
        "The deal, which was first mooted in 2019, is expected to be finalised at the summit.",
    ),
    (
        OCC,
        B,
        "shipbuilding",
        "The pact, signed in Moscow on Monday, covers cooperation in shipbuilding and port"
        " logistics.",
    ),
    (ANT, B, "rupees", "Officials from both sides discussed ways to settle more trade in rupees."),
    (
        NEG,
        B,
        "agreement",
        "Negotiations on the free trade agreement stalled last year over tariffs.",
    ),
    (NEG, B, "pact", "The signing of the pact has been postponed to next year, the ministry said."),
    (ANT, B, "squadrons", "Russia has agreed to supply two more S-400 squadrons by 2027."),
    (
        NEG,
        B,
        "units",
        "The Indian side is yet to receive the last two units of the air defence system.",
    ),
    (
        OCC,
        B,
        "statement",
        "The two leaders adopted a joint statement on the strategic partnership.",
    ),
    (
        OCC,
        B,
        "healthcare",
        "The countries exchanged memorandums of understanding on healthcare, education and"
        " culture.",
    ),
    (
        OCC,
        B,
        "coal",
        "The first consignment of Russian coking coal under the new contract arrived at Paradip"
        " port last week.",
    ),
    (
        NEG,
        B,
        "lng",
        "Talks on a long-term LNG supply contract with Novatek have stalled over price.",
    ),
    (
        NEG,
        B,
        "payments",
        "Several Indian banks have refused to process payments linked to sanctioned Russian"
        " companies.",
    ),
    (
        ANT,
        B,
        "rupay",
        "The proposal to link India's RuPay cards with Russia's Mir network is under"
        " consideration.",
    ),
    (
        NEG,
        B,
        "payments",
        "Payments for Russian arms remain stuck in Indian banks because of the sanctions.",
    ),
    (OCC, B, "frigate", "The Indian Navy commissioned the Russian-built frigate in July."),
    (
        ANT,
        B,
        "trade finance",
        "A joint working group on trade finance will meet in Moscow next week.",
    ),
    (
        ANT,
        B,
        "corridor",
        "Ministers reviewed progress on the International North-South Transport Corridor.",
    ),
    (OCC, B, "crude", "India bought 1.7 million barrels a day of Russian crude in November."),
    (NEG, B, "protocol", "Neither side has signed the protocol on rupee trade settlement."),
    (
        OCC,
        B,
        "logistics",
        "The ratification of the reciprocal logistics agreement was approved by the Duma.",
    ),
    (ANT, B, "stake", "Rosneft could take a stake in an Indian refinery if the talks succeed."),
    (ANT, B, "putin", "The Kremlin confirmed that Putin will travel to New Delhi on December 4."),
    (
        ANT,
        B,
        "oil",
        "Indian Oil Corp said it will continue buying Russian oil as long as the supplier is not"
        " under sanctions.",
    ),
    (
        OCC,
        B,
        "treaty",
        "Negotiators on Thursday finalised the text of a bilateral investment treaty, which is"
        " expected to be signed at the summit.",
    ),
    (
        ANT,
        B,
        "",
        "MOSCOW, Dec 5 (Wire) — Russia and India will hold the next round of strategic dialogue"
        " in January.",
    ),
    (OCC, B, "", "Russian President Vladimir Putin arrived in New Delhi on Thursday evening."),
    (OCC, B, "pact", "MOSCOW, May 5 (Wire) — India and Russia signed the pact."),
    (ANT, B, "pact", "New Delhi, November 7: The pact covers shipping and port services."),
    (OCC, B, "flights", "Aeroflot resumed direct flights between Moscow and Goa last month."),
    (
        ANT,
        B,
        "talks visit",
        "The talks come just before the expected visit of the Russian president.",
    ),
    (ANT, B, "crude", "Indian Oil declined to comment on its Russian crude purchases."),
    (ANT, B, "flights", "Aeroflot plans to add direct flights between Moscow and Kolkata."),
]

# Attribution to sources is how wire copy reports events: not a hedge. Rumour, speculation,
# "reportedly" and "is said to" are.
HEDGES: list[Any] = [
    (
        OCC,
        B,
        "stake",
        "Rosneft sold its stake in the Indian refinery to a consortium, two sources said.",
    ),
    (ANT, B, "squadron", "Russia reportedly delivered the fourth S-400 squadron in October."),
    (NEG, B, "payments", "India has halted payments for Russian oil in dirhams, sources said."),
    (
        OCC,
        B,
        "crude",
        "Indian refiners bought Russian crude at a discount of $5 a barrel, according to sources.",
    ),
    (ANT, B, "pact", "The pact is said to cover cooperation in space and cyber security."),
    (
        OCC,
        B,
        "agreements",
        "According to an official statement, the two sides signed eight agreements.",
    ),
    (OCC, B, "agreement", "The ministry said the agreement was signed in Moscow."),
    (
        ANT,
        B,
        "frigate",
        "Unconfirmed reports suggest that the Indian Navy has received the frigate.",
    ),
    (ANT, B, "su 57", "There is speculation that Russia will offer India the Su-57 fighter."),
    (
        OCC,
        B,
        "contract",
        "The contract was signed last week, people familiar with the matter said.",
    ),
    (ANT, H, "deal", "Rosneft reportedly seals deal for stake in Indian port"),
]

SCOPE: list[Any] = [
    (OCC, B, "india russia pact", "Despite the delays, India and Russia signed the pact."),
    (OCC, B, "", "Despite the delays, India and Russia signed the pact."),
    (
        OCC,
        B,
        "shipping",
        "India and Russia signed a pact on shipping but talks on rupee payments stalled.",
    ),
    (
        NEG,
        B,
        "rupee payments",
        "India and Russia signed a pact on shipping but talks on rupee payments stalled.",
    ),
    (NEG, B, "", "India and Russia signed a pact on shipping but talks on rupee payments stalled."),
    (
        OCC,
        B,
        "shipping",
        "Talks on rupee payments stalled, but India and Russia signed a pact on shipping.",
    ),
    (
        NEG,
        B,
        "payments",
        "Talks on rupee payments stalled, but India and Russia signed a pact on shipping.",
    ),
    (
        OCC,
        B,
        "shipping",
        "While the shipping pact was signed, the payments agreement remains stuck.",
    ),
    (
        NEG,
        B,
        "payments",
        "While the shipping pact was signed, the payments agreement remains stuck.",
    ),
    (
        OCC,
        B,
        "pact",
        "India signed the pact with Russia although talks on defence co-production have stalled.",
    ),
    (
        NEG,
        B,
        "production",
        "India signed the pact with Russia although talks on defence co-production have stalled.",
    ),
    (
        OCC,
        B,
        "fertiliser",
        "Although the summit was delayed, the two sides inked a deal on fertiliser supplies.",
    ),
    (OCC, B, "coal", "India resumed imports of Russian coal that had been halted in March."),
    (
        ANT,
        B,
        "reactors",
        "Russia and India signed a deal that will see Rosatom build six more reactors.",
    ),
    (
        OCC,
        B,
        "deal",
        "Russia and India signed a deal that will see Rosatom build six more reactors.",
    ),
    (OCC, B, "agreement", "The agreement was signed in 2019 and will be renewed next year."),
    (
        NEG,
        B,
        "nuclear",
        "India and Russia did not sign the nuclear deal, but they agreed to continue talks.",
    ),
    (
        OCC,
        B,
        "india crude deal",
        "Russia halted fuel exports to Europe, while India signed a new crude deal with Rosneft.",
    ),
    (
        OCC,
        B,
        "platform",
        "Amid stalled talks on the free trade agreement, the two sides launched a payment"
        " platform.",
    ),
    (
        NEG,
        B,
        "agreement",
        "Amid stalled talks on the free trade agreement, the two sides launched a payment"
        " platform.",
    ),
    (OCC, B, "pact", "India and Russia signed the pact ahead of the summit."),
    (
        ANT,
        B,
        "mobility",
        "Ahead of the summit, officials are finalising a pact on labour mobility.",
    ),
    (
        OCC,
        B,
        "energy",
        "After talks in Moscow, India and Russia agreed on a roadmap for energy cooperation.",
    ),
    (
        OCC,
        B,
        "crude",
        "India, which had paused purchases in September, resumed buying Russian crude in October.",
    ),
    (
        NEG,
        B,
        "deliveries",
        "The deal was signed, officials said, but the first deliveries have been delayed.",
    ),
    (
        OCC,
        B,
        "deal",
        "The deal was signed, officials said, but the first deliveries have been delayed.",
    ),
    (OCC, B, "pact", "India signed the pact but has not ratified it."),
    (OCC, B, "tranche", "The first tranche was paid in rupees; the second remains frozen."),
    (NEG, B, "fertilisers", "The MoU on shipbuilding was signed; the one on fertilisers was not."),
    (OCC, B, "shipbuilding", "The MoU on shipbuilding was signed; the one on fertilisers was not."),
    (
        ANT,
        B,
        "helicopters",
        "India and Russia signed a pact on Friday and agreed to explore joint production of"
        " helicopters.",
    ),
    (
        OCC,
        B,
        "pact",
        "India and Russia signed a pact on Friday and agreed to explore joint production of"
        " helicopters.",
    ),
    (NEG, B, "pact", "The pact will not be signed unless Russia lowers the price."),
    (
        OCC,
        B,
        "stake sale",
        "Rosneft declined to comment on the stake sale, which was completed last week.",
    ),
    (
        OCC,
        B,
        "india russia pact",
        "Despite the delays India and Russia signed the pact on Friday.",
    ),
    (OCC, B, "india russia pact", "India and Russia signed the pact despite Western objections."),
    (
        OCC,
        B,
        "india russia pact",
        "In spite of the stalled talks, India and Russia signed the pact.",
    ),
]

NEGATIVES: list[Any] = [
    (OCC, B, "oil deal", "India not only signed the oil deal but also agreed to buy fertilisers."),
    (ANT, B, "contract", "The contract must be signed no later than March 31."),
    (ANT, B, "spare parts", "Russia promised to deliver the spare parts without delay."),
    (OCC, B, "agreement", "As expected, the two sides signed the agreement on Thursday."),
    (
        OCC,
        B,
        "agreement",
        "The two sides signed an agreement to explore cooperation in the Arctic.",
    ),
    (NEG, B, "deal", "India will not sign the deal until Russia agrees on pricing."),
    (NEG, B, "agreement", "The agreement may not be signed during this visit."),
    (OCC, B, "imports", "Indian refiners resumed imports of Russian crude in May."),
    (NEG, B, "imports", "Indian refiners halted imports of Russian crude in May."),
    (NEG, B, "imports", "Nayara cut its imports of Russian crude to zero in December."),
    (NEG, B, "mobility", "The labour mobility agreement is yet to be signed."),
    (NEG, B, "s 400", "Russia has yet to deliver the remaining two S-400 units."),
    (NEG, B, "treaty", "The treaty has not yet come into force."),
    (NEG, B, "swap", "New Delhi ruled out a rupee-rouble swap arrangement for now."),
    (
        NEG,
        B,
        "pact",
        "The Kremlin denied reports that India and Russia had signed a secret defence pact.",
    ),
    (NEG, B, "waiver", "India failed to secure a waiver for payments in rupees."),
    (NEG, B, "lng", "The countries were unable to agree on a price for the LNG cargoes."),
    (
        NEG,
        B,
        "fertiliser",
        "Russia refused to accept payment in rupees for the fertiliser shipments.",
    ),
    (
        NEG,
        B,
        "shipbuilding",
        "The proposal for a joint shipbuilding yard was rejected by the Indian cabinet.",
    ),
    (NEG, B, "refinery", "Plans for a Russian-built refinery in Gujarat were shelved in 2023."),
    (
        NEG,
        B,
        "helicopter",
        "The helicopter deal fell through after the two sides failed to agree on technology"
        " transfer.",
    ),
    (NEG, B, "rupee", "No agreement was reached on a rupee-rouble exchange rate mechanism."),
    (
        NEG,
        B,
        "corridor",
        "The summit ended without an agreement on the Chennai-Vladivostok corridor.",
    ),
    (
        ANT,
        B,
        "crude",
        "Indian Oil did not immediately respond to a request for comment on its Russian crude"
        " purchases.",
    ),
    (NEG, B, "crude", "Not a single Russian crude cargo was unloaded at Indian ports in December."),
    (NEG, B, "lng", "India has never bought Russian LNG under a long-term contract."),
    (NEG, B, "contract", "The contract was cancelled after Russia missed two delivery deadlines."),
    (NEG, B, "talks", "The talks have been called off."),
    (NEG, B, "summit", "The summit was postponed to next year."),
    (NEG, B, "payment", "There was no breakthrough on the payment issue."),
    (
        NEG,
        B,
        "dividends",
        "Sanctions have frozen about $1 billion of Indian dividends from Russian oil fields.",
    ),
    (OCC, B, "agreement", "The agreement was signed without delay once the price was agreed."),
    (
        NEG,
        B,
        "oil",
        "Reliance said it would comply with the sanctions and stop buying Russian oil.",
    ),
    (
        NEG,
        B,
        "proposal",
        "The central bank has not approved the proposal to settle trade in roubles.",
    ),
    (NEG, B, "deal", "The deal is unlikely to be signed before the elections."),
    (
        ANT,
        B,
        "joint venture",
        "Officials did not rule out a joint venture for producing fertilisers in Russia.",
    ),
    (NEG, B, "project", "Work on the project has ground to a halt."),
    (NEG, B, "imports", "Imports of Russian coal dried up after the payment problems."),
    (NEG, B, "purchases", "Indian refiners have suspended purchases from sanctioned suppliers."),
    (NEG, B, "talks", "The talks collapsed over the pricing formula."),
    (NEG, B, "shipments", "Shipments remain frozen pending a settlement."),
    (NEG, B, "venture", "The Indian partner pulled out of the venture in June."),
    (NEG, B, "stake", "ONGC Videsh withdrew its bid for the stake."),
    (NEG, B, "pact", "India is not expected to sign the pact during the visit."),
    (OCC, B, "oil", "There is no doubt that India bought record volumes of Russian oil in June."),
    ambiguous(
        "a negated halt is a continuation: double negation is read as a negation",
        OCC,
        B,
        "supplies",
        "Russia did not cut supplies of crude to India in the first quarter.",
    ),
    ambiguous(
        "denying a suspension asserts the deliveries: double negation is read as a negation",
        OCC,
        B,
        "deliveries",
        "Moscow denied reports that the S-400 deliveries had been suspended.",
    ),
]

EXTRA: list[Any] = [
    (ANT, B, "platform", "The rupee-rouble settlement platform is now live.", CueLists()),
    (
        OCC,
        B,
        "platform",
        "The rupee-rouble settlement platform is now live.",
        CueLists(occurred=("is now live",)),
    ),
    (
        ANT,
        B,
        "talks",
        "Talks on the Arctic route went quiet after the summit.",
        CueLists(),
    ),
    (
        NEG,
        B,
        "arctic",
        "Talks on the Arctic route went quiet after the summit.",
        CueLists(negated=("went quiet",)),
    ),
    (
        OCC,
        B,
        "corridor",
        "The two sides commissioned a study for the corridor.",
        CueLists(),
    ),
    (
        ANT,
        B,
        "corridor",
        "The two sides commissioned a feasibility study for the corridor.",
        CueLists(anticipated=("feasibility study",)),
    ),
    (
        OCC,
        B,
        "payments",
        "Several payments to Russian suppliers bounced last month.",
        CueLists(),
    ),
    (
        NEG,
        B,
        "payments",
        "Several payments to Russian suppliers bounced last month.",
        CueLists(negated=("bounce*",)),
    ),
    (
        NEG,
        B,
        "payments",
        "The bank sent the payments back to Moscow.",
        CueLists(negated=("sent ... back",)),
    ),
    (OCC, B, "jets", "The navy floated a tender for 26 jets.", CueLists()),
    (
        ANT,
        B,
        "jets",
        "The navy floated a tender for 26 jets.",
        CueLists(anticipated=("tender",)),
    ),
    (
        OCC,
        B,
        "cut",
        "The ribbon was cut by the two ministers.",
        CueLists(occurred=("was cut",)),
    ),
    (OCC, H, "refinery", "Russian firm submits EoI for Indian refinery", CueLists()),
    (
        ANT,
        H,
        "refinery",
        "Russian firm submits EoI for Indian refinery",
        CueLists(anticipated=("eoi",)),
    ),
]

DOMAIN: list[Any] = [
    (
        OCC,
        B,
        "jaishankar lavrov",
        "External Affairs Minister S. Jaishankar held talks with his Russian counterpart Sergey"
        " Lavrov in Moscow on Monday.",
    ),
    (ANT, B, "summit", "The two ministers discussed preparations for the annual summit."),
    (ANT, B, "putin", "Putin is scheduled to visit New Delhi in early December for the summit."),
    (
        ANT,
        B,
        "trade",
        "India and Russia agreed to work towards a target of $100 billion in bilateral trade by"
        " 2030.",
    ),
    (
        OCC,
        B,
        "agreements",
        "Indian and Russian companies signed 12 agreements in sectors ranging from"
        " pharmaceuticals to rare earths.",
    ),
    (
        OCC,
        B,
        "vostro",
        "India's central bank allowed Russian banks to open special rupee vostro accounts.",
    ),
    (
        OCC,
        B,
        "branch",
        "Sberbank opened a branch in Mumbai to handle rupee trade settlements.",
    ),
    (ANT, B, "frigate", "The Indian Navy will receive the second frigate early next year."),
    (
        OCC,
        B,
        "mou",
        "HAL and United Aircraft Corporation signed an MoU to produce a regional jet in India.",
    ),
    (
        ANT,
        B,
        "plant",
        "Russia has offered to set up a plant in India for making spare parts for Sukhoi jets.",
    ),
    (
        ANT,
        B,
        "reactors",
        "Nuclear Power Corporation of India is in talks with Rosatom for six more reactors.",
    ),
    (OCC, B, "crude", "India became the largest buyer of Russian seaborne crude in 2023."),
    (
        NEG,
        B,
        "imports",
        "Imports of Russian crude by Indian refiners dropped sharply after Washington sanctioned"
        " two Russian producers.",
    ),
    (
        OCC,
        B,
        "national currencies",
        "India and Russia have settled trade worth over $2 billion in national currencies this"
        " year.",
    ),
    (
        OCC,
        B,
        "corridor",
        "India and Russia launched the Chennai-Vladivostok maritime corridor last year.",
    ),
    (
        ANT,
        B,
        "bond",
        "Moscow has proposed a rupee-denominated bond issue by Russian firms in India.",
    ),
    (
        OCC,
        B,
        "fertiliser",
        "The first batch of Russian fertiliser under the long-term contract has already been"
        " shipped.",
    ),
    (OCC, B, "exports", "Indian pharmaceutical exports to Russia grew 10% in the first half."),
    (ANT, B, "flights", "Russia and India plan to double the number of direct flights."),
    (
        ANT,
        B,
        "facility",
        "VTB Bank is preparing to launch a rupee-settled trade finance facility.",
    ),
    (OCC, B, "contract", "The S-400 contract, worth $5.4 billion, was signed in 2018."),
    (
        ANT,
        B,
        "squadrons",
        "The remaining two squadrons will be delivered by 2026, the ambassador said.",
    ),
    (
        NEG,
        B,
        "squadrons",
        "Delivery of the remaining squadrons has been delayed because of the war.",
    ),
    (OCC, B, "deficit", "India's trade deficit with Russia widened to a record $59 billion."),
    (
        ANT,
        B,
        "mobility",
        "A team of Indian officials is in Moscow to negotiate the text of the mobility pact.",
    ),
    (
        OCC,
        B,
        "partnership",
        "India and Russia reaffirmed their commitment to the special and privileged strategic"
        " partnership.",
    ),
    (OCC, B, "igla", "The Indian Army has started inducting Igla-S air defence systems."),
    (ANT, B, "freight", "Russian Railways will help India build high-speed freight corridors."),
    (
        OCC,
        B,
        "agreement",
        "Russia approved the ratification of the logistics agreement with India.",
    ),
    (
        ANT,
        B,
        "payments",
        "The two central banks are working on a mechanism to ease payments for exporters.",
    ),
    (
        ANT,
        B,
        "payments",
        "The finance ministry is considering a proposal to allow payments in UAE dirhams.",
    ),
    (
        OCC,
        B,
        "dirhams",
        "Indian refiners paid for some Russian cargoes in UAE dirhams last quarter.",
    ),
    (NEG, B, "yuan", "Indian refiners stopped paying for Russian oil in Chinese yuan."),
    (
        ANT,
        B,
        "kudankulam",
        "The leaders are likely to review progress on the Kudankulam nuclear plant.",
    ),
    (
        OCC,
        B,
        "kudankulam",
        "Rosatom completed the dome of the fifth unit at Kudankulam this week.",
    ),
    (
        ANT,
        B,
        "arctic",
        "The two sides explored opportunities for Indian investment in Arctic oil projects.",
    ),
    (
        ANT,
        B,
        "visa",
        "A visa-free group travel scheme is on the agenda for the summit.",
    ),
    (OCC, B, "visas", "Russia introduced e-visas for Indian tourists in August."),
    (
        ANT,
        B,
        "fighter",
        "Moscow is pushing for a joint fighter jet programme with Hindustan Aeronautics.",
    ),
    (
        NEG,
        B,
        "fighter",
        "India withdrew from the joint fighter jet programme in 2018.",
    ),
    (
        OCC,
        B,
        "shipments",
        "Russian shipments of sunflower oil to India hit a record in July.",
    ),
    (
        ANT,
        B,
        "workers",
        "Russia wants to hire thousands of Indian workers for construction projects.",
    ),
    (
        OCC,
        B,
        "workers",
        "Several thousand Indian workers moved to Russia under the scheme this year.",
    ),
    (ANT, B, "oil", "Indian refiners will keep buying Russian oil that is not sanctioned."),
    (
        ANT,
        B,
        "mechanism",
        "Officials are in the final stages of talks on a mechanism to settle trade in rupees.",
    ),
    (
        OCC,
        B,
        "mechanism",
        "The two countries put in place a mechanism to settle trade in rupees in 2022.",
    ),
    (
        ANT,
        B,
        "deal",
        "A deal on the lease of a nuclear submarine could be signed during the visit.",
    ),
    (ANT, B, "summit", "The 23rd annual summit will take place in New Delhi."),
    (OCC, B, "summit", "The 22nd annual summit took place in Moscow in July."),
    (ANT, B, "oil", "Will India keep buying Russian oil?"),
]


# Headlines and summary sentences in the wording of real feeds (wire services, Indian and
# Russian outlets, business and defence press), written for this table. One row per line:
# expected (o/a/n) | h for a headline | anchor words | sentence; an indented line continues
# the sentence of the line before.
FEED_STYLE = """
o|h|pact|India, Russia sign pact to double trade in national currencies
a|h|visit|Putin to visit India in December, Kremlin says
a|h|oil|India's Russian oil imports set to fall sharply in December
o|h|oil|India's Russian oil imports hit six-month high in October
n|h|oil|Reliance stops buying Russian oil for its export refinery
a|h|nuclear|India, Russia discuss small modular nuclear reactors
o|h|s 400|Russia completes delivery of S-400 systems to India
n|h|talks|India-EAEU free trade talks hit a roadblock
a|h|rupees|Russia wants India to invest trapped rupees in infrastructure
o|h|vostro|Indian banks open 30 special vostro accounts for Russian lenders
a|h|shipbuilding|Indian, Russian shipyards eye joint shipbuilding projects
n|h|deals|Payment troubles: Russian arms deals on hold
a|h|summit|What India wants from the Modi-Putin summit
o|h|fertiliser|Russia becomes India's top fertiliser supplier
a|h|labour|Russia seeks Indian labour for construction sector
o||agreement|The two sides signed an agreement on the mobility of skilled workers and another on
    healthcare during the talks in Moscow.
a||agreement|An agreement on the mobility of skilled workers is likely to be among the outcomes
    of the summit, officials said.
n||agreement|The agreement on the mobility of skilled workers could not be finalised in time for
    the summit.
o||oil|Russian oil accounted for about 36% of India's crude imports in the first nine months of
    the year.
a||oil|Refiners are seeking alternative supplies in case Russian oil flows are disrupted by the
    sanctions.
n||oil|State-run refiners have stopped placing fresh orders for Russian oil on spot markets.
o||kudankulam|The third unit at Kudankulam began generating power in the first half of the year.
a||kudankulam|The third unit at Kudankulam is expected to start generating power next year.
n||kudankulam|The commissioning of the third unit at Kudankulam has been pushed back by a year.
a||trade|Both countries have set a target of $100 billion in bilateral trade by 2030.
o||trade|Bilateral trade reached a record $68.7 billion in the last financial year, driven by
    oil.
a||brahmos|Indonesia and Vietnam are among the countries in talks to buy the BrahMos missile.
o||brahmos|The Philippines received the second batch of BrahMos missile batteries in April.
a||payments|Lavrov said the two countries were working on ways to protect payments from Western
    sanctions.
n||payments|Payments for several defence contracts have been held up for over a year.
o||coal|Indian importers have started paying for Russian coal in yuan and dirhams.
a||route|The Chennai-Vladivostok sea route could cut shipping time to 24 days from 40.
o||corridor|The first cargo via the Chennai-Vladivostok corridor reached Chennai in July.
a||jaishankar|Jaishankar will travel to Moscow next week for talks with Lavrov.
o||jaishankar|Jaishankar travelled to Moscow and held talks with Lavrov on the bilateral agenda.
a||mobility|The mobility pact would allow Indian workers to take up jobs in Russia's
    manufacturing sector.
a||helicopter|The Ka-226 helicopter project with Russia has been in the works for years.
n||helicopter|The Ka-226 helicopter project has been effectively shelved.
o||lng|India's first cargo of Arctic LNG was unloaded at Dahej despite US sanctions on the
    project.
n||lng|Indian buyers have shunned cargoes from the sanctioned Arctic LNG 2 project.
a||rupay|The two central banks have been discussing interoperability of the Mir and RuPay card
    networks.
o||rupay|Russian tourists in Goa can now use Mir cards at terminals that accept RuPay.
a||investment|Russian investment in India's infrastructure sector remains a key item on the
    agenda.
o||sberbank|Sberbank has invested $1 billion in Indian government bonds using its rupee surplus.
n||deal|The $2.5 billion deal to lease a second nuclear submarine has run into delays.
a||s 400|The remaining S-400 units are now expected in 2026.
o||exercise|The navies of India and Russia held their annual Indra exercise in the Bay of
    Bengal.
a||exercise|The two navies will hold the Indra exercise later this year.
n||exercise|The Indra exercise was cancelled this year because of scheduling problems.
a||pact|Officials said the pact on reciprocal logistics support was close to being finalised.
o||pact|The pact on reciprocal logistics support came into force in July after Russia's
    ratification.
n||pact|Russia has not yet ratified the pact on reciprocal logistics support.
a||pact|Russia's cabinet has submitted the logistics pact to parliament for ratification.
o||refinery|Rosneft owns a 49% stake in the Vadinar refinery in Gujarat.
a||stake|Rosneft is looking to sell its stake in the Vadinar refinery, sources familiar with the
    talks said.
n||stake|Rosneft has denied that it is looking to sell its stake in the Vadinar refinery.
o||sanctions|The US imposed sanctions on Rosneft and Lukoil in October.
a||pharmaceutical|Indian pharmaceutical firms see opportunities in the Russian market as Western
    companies leave.
o||tea|Russia imported about 40 million kg of Indian tea last year.
n||tea|Tea exports to Russia slumped after payment delays.
o|h|deal|EU, Mercosur finalise trade deal after 25 years of talks
a|h|deal|EU and Mercosur aim to sign trade deal by year-end
n|h|deal|France blocks EU-Mercosur deal vote
a|h|ceasefire|Israel, Hamas close in on ceasefire deal, mediators say
o|h|ceasefire|Ceasefire takes effect in Gaza
n|h|ceasefire|Ceasefire collapses as fighting resumes
o|h|rates|Fed cuts rates by quarter point
a|h|rates|Fed seen cutting rates in December
a|h|merger|Nissan and Honda explore merger
n|h|merger|Nissan, Honda call off merger talks
o|h|ipo|Hyundai India IPO fully subscribed on final day
a|h|ipo|LG Electronics India files for IPO
o|h|pipeline|Power of Siberia 2 pipeline agreement signed, Gazprom says
n|h|price|Russia, China yet to agree on price for Power of Siberia 2
o|h|tariffs|US doubles tariffs on Indian goods to 50%
a|h|tariffs|Trump threatens higher tariffs on India over Russian oil
n|h|trade deal|India-US trade deal talks stall over dairy, farm access
a|h|trade deal|India, US aim to conclude first tranche of trade deal by autumn
o|h|agreement|India, UK sign free trade agreement
a|h|agreement|India-EU free trade agreement likely by December, says Goyal
o||agreement|India and the United Kingdom signed a free trade agreement in London on Thursday,
    capping three years of negotiations.
a||agreement|The agreement still needs to be ratified by the British parliament before it takes
    effect.
n||talks|The talks broke down after the two sides could not agree on the dispute settlement
    clause.
a||talks|Negotiators will resume talks in New Delhi next month, the commerce ministry said.
o||talks|Negotiators resumed talks in New Delhi on Monday after a two-month pause.
o||plant|The company commissioned its new plant in Pune in March and has since ramped up output.
a||plant|The company plans to commission its new plant in Pune by March.
n||plant|The company has put on hold plans for a new plant in Pune citing weak demand.
o||shipment|The first shipment left the port of Novorossiysk on Tuesday and is due in India next
    month.
a||shipment|The first shipment is scheduled to leave the port of Novorossiysk next week.
o||bonds|The central bank bought government bonds worth 500 billion rupees in open market
    operations.
a||bonds|The central bank will buy government bonds worth 500 billion rupees next week.
o||license|The regulator granted the company a license to operate satellite internet services.
n||license|The regulator rejected the company's application for a satellite internet license.
a||license|The company has applied for a license to operate satellite internet services.
o||acquisition|Tata Motors completed the acquisition of the Italian truck maker for 3.8 billion
    euros.
a||acquisition|The acquisition is subject to regulatory approvals and is expected to close next
    year.
n||acquisition|The acquisition was blocked by the competition regulator.
a||strike|Unions threatened to go on strike if their demands were not met.
o||ban|The government lifted the ban on rice exports.
n||exports|The government banned rice exports to stabilise domestic prices.
a||visit|The prime minister is likely to visit Washington in February.
o||washington|The prime minister visited Washington in February and met the president.
n||visit|The prime minister cancelled his visit to Washington due to the floods.
o||reactor|Russia's Rosatom has begun pouring concrete for the first reactor at the site.
a||reactor|Construction of the first reactor is due to begin in 2026.
n||reactor|Construction of the first reactor has been suspended pending a safety review.
a||summit|Leaders are set to meet in Johannesburg for the G20 summit on November 22.
o||summit|Leaders met in Johannesburg for the G20 summit on November 22.
o||declaration|The summit adopted a joint declaration on climate finance without the United
    States.
n||declaration|The summit failed to adopt a joint declaration as members were divided over
    Ukraine.
a||payment|The two countries are working to link their instant payment systems.
o||payment|The two countries linked their instant payment systems in a ceremony attended by both
    leaders.
n||payment|Efforts to link the two countries' instant payment systems have made little progress.
a||contract|HAL is expected to win the contract for 97 more fighter jets.
o||contract|HAL won the contract for 97 more fighter jets, the defence ministry said.
o||contract|The defence ministry signed a contract with HAL for 97 more Tejas fighter jets on
    Thursday.
n||contract|The contract has yet to be signed because of pricing issues.
o||crude|India's imports of Russian crude averaged 1.8 million barrels per day in September.
a||crude|Analysts expect India's imports of Russian crude to decline after the sanctions.
n||crude|Indian refiners have not bought any Russian crude from sanctioned suppliers since the
    measures came into effect.
o||gas|Gas flows through the pipeline restarted on Sunday after maintenance.
n||gas|Gas flows through the pipeline stopped on Sunday.
a||gas|Gas flows through the pipeline could resume as early as Sunday.
o||sanctions|The European Union adopted its 19th package of sanctions against Russia.
a||sanctions|The European Union is preparing a 20th package of sanctions against Russia.
n||sanctions|Slovakia vetoed the latest package of EU sanctions against Russia.
o||loan|The World Bank approved a $1.5 billion loan for the project.
a||loan|The country is seeking a $1.5 billion loan from the IMF.
n||loan|The IMF has withheld the next loan tranche over missed reform targets.
o||india russia agreement|India and Russia on Thursday signed an intergovernmental agreement on
    cooperation in the field of ship repair, in the presence of the two foreign ministers.
a||india russia agreement|India and Russia are working on an intergovernmental agreement on ship
    repair, which could be signed when the Russian president visits.
o||india russia agreements|India and Russia inked 16 agreements across defence, energy and
    trade, though a long-pending logistics pact remained unsigned.
n||logistics pact|India and Russia inked 16 agreements across defence, energy and trade, though
    a long-pending logistics pact remained unsigned.
a||russian oil|Indian officials say purchases of Russian oil will continue as long as they make
    commercial sense.
o||russian oil|Indian purchases of Russian oil have continued despite pressure from Washington.
n||russian oil|Indian purchases of Russian oil have all but stopped since the sanctions took
    effect.
a||rupee rouble|There has been little clarity on whether the rupee-rouble arrangement will be
    revived.
n||rupee rouble|The rupee-rouble arrangement, used during the Cold War, was discontinued in the
    1990s.
a||su 57|Russia has pitched the Su-57 stealth fighter to India, offering full technology
    transfer.
o||su 57|Two Su-57 fighters flew at the Aero India show in Bengaluru.
n||su 57|India exited the Su-57 development programme in 2018, citing cost and capability
    concerns.
a||jaishankar lavrov|Jaishankar and Lavrov are due to meet on the sidelines of the SCO meeting.
o||jaishankar lavrov|Jaishankar and Lavrov met on the sidelines of the SCO meeting and discussed
    Ukraine.
o||modi putin|Modi and Putin spoke by phone on Friday and reviewed the progress in bilateral
    ties.
a||modi putin|Modi is expected to raise the issue of Indians recruited into the Russian army
    when he meets Putin.
a||indians army|Russia has agreed to discharge all Indians serving in its army, the foreign
    ministry said.
o||indians army|Russia discharged 85 Indians who had been serving in its army, the foreign
    ministry said.
n||indians army|Moscow has not responded to New Delhi's request to discharge the Indians serving
    in its army.
a||trade|Trade between the two countries, now heavily tilted in Russia's favour, is expected to
    become more balanced.
o||trade|Trade between India and Russia jumped fivefold to $65 billion in 2023-24.
n||exports|Indian exports to Russia have failed to keep pace with imports.
a||fta|India and the EAEU have agreed on the terms of reference for negotiating an FTA.
o||terms of reference|India and the EAEU have agreed on the terms of reference for negotiating
    an FTA.
n||fta|No date has been set for the first round of FTA negotiations.
a||fta|The first round of FTA negotiations is expected to take place in Moscow.
o||ammunition|Russia supplied ammunition worth $2 billion to India in the last three years.
o||rifles|The joint venture has so far delivered 35,000 AK-203 rifles to the Indian Army.
a||rifles|The joint venture aims to deliver 100,000 AK-203 rifles a year from 2026.
n||rifles|Production of AK-203 rifles was delayed by disputes over royalties.
a||chennai vladivostok|Will the Chennai-Vladivostok corridor ever take off?
o|h|ships|Indian shipyard delivers first of four Russian-ordered cargo ships
a|h|ships|Indian shipyard to build four cargo ships for Russian firm
n|h|ships|Russian order for Indian-built ships cancelled
o|h|rupees|Russian banks invest surplus rupees in Indian bonds
a|h|rupees|Russian banks may invest surplus rupees in Indian stock market
o|h|lavrov|Lavrov praises India's independent foreign policy
a|h|oil|How India could keep buying Russian oil despite sanctions
o|h|oil|India keeps buying Russian oil despite sanctions
n|h|oil|India's top refiner halts Russian oil purchases
o|h|putin|Putin lands in Delhi, Modi receives him at airport
a|h|putin|Putin's India visit: Defence, energy deals on table
o|h|deals|Putin's India visit: 10 deals signed, more in pipeline
a||refinery|Rosneft said on Monday it would consider selling its stake in the Indian refinery if
    it received a fair offer.
o||agreement|Under the agreement signed in Moscow, Russia will supply 2 million tonnes of urea a
    year.
a||urea|Under the agreement signed in Moscow, Russia will supply 2 million tonnes of urea a
    year.
o||deal|Following the signing of the deal, shares of the Indian firm rose 4%.
o||deal|It is the first such deal between Indian and Russian state firms since the war began.
o||oil|Russia accounted for 35% of India's oil imports last month.
a||sanctions|India could face secondary sanctions if it continues to buy Russian oil.
a||plant|The plant is to be inaugurated by the two leaders via video link.
o||plant|The plant was inaugurated by the two leaders via video link.
a||terminal|Work on the LNG terminal will start once the financing is in place.
o||terminal|Work on the LNG terminal started in January after the financing was arranged.
n||terminal|Work on the LNG terminal has not started because the financing is not in place.
a||visa|India and Russia are in the process of finalising a visa-free travel arrangement for
    tourist groups.
o||visa|The visa-free arrangement for tourist groups has been in effect since June.
o||agreement|Both sides welcomed the signing of the agreement on migration and mobility.
a||agreement|Both sides called for the early conclusion of the agreement on migration and
    mobility.
n||bank|The Indian bank has frozen the accounts of several Russian entities to avoid sanctions.
o||bank|The Indian bank has unfrozen the accounts of several Russian entities after a review.
a||price cap|G7 countries are debating a lower price cap on Russian oil.
o||price cap|The EU lowered its price cap on Russian crude to $47.60 a barrel.
n||cargoes|Several cargoes of Russian crude bound for India have been diverted to other buyers.
o||cargoes|Several cargoes of Russian crude arrived in Indian ports this week.
a||cargoes|Several cargoes of Russian crude are heading to Indian ports.
o||mou|An MoU on cooperation in the Arctic was among the documents exchanged.
a||mou|An MoU on cooperation in the Arctic is among the documents likely to be exchanged.
o||partnership|The two leaders hailed the special and privileged strategic partnership.
a||yuan|Russia has asked Indian refiners to pay for oil in yuan.
n||yuan|Indian refiners have declined to pay for Russian oil in yuan.
o||yuan|Indian refiners paid for several Russian oil cargoes in yuan last month.
a||corridor|The corridor, once operational, will cut transit time by 40%.
o||corridor|The corridor has been operational since 2023.
a||summit|The upcoming summit will focus on trade, energy and defence.
o||summit|The summit focused on trade, energy and defence.
n||summit|The summit produced no concrete outcome on trade.
a|h|rupee|Can the rupee become a trade currency with Russia?
o|h|oil|Russian oil discounts for India widen to $4
a|h|s 400|Russia says remaining S-400 deliveries on track for 2026
n|h|s 400|Remaining S-400 deliveries to India pushed to 2027
o|h|tanker|First Russian LNG tanker docks at Indian port
a|h|jets|India in talks with Russia for more Su-30 jets
o|h|jets|India orders 12 more Su-30 jets from HAL
n|h|jets|India drops plan to buy more MiG-29 jets
o|h|deal|Adani Ports wins deal to operate Russian Arctic terminal
a|h|terminal|Adani Ports bids to operate Russian Arctic terminal
o|h|tanks|Army inducts first batch of upgraded T-90 tanks
a|h|tanks|Army to get upgraded T-90 tanks by March
n|h|t 90|T-90 upgrade programme hit by Russian supply delays
o|h|payments|SBI's Moscow unit resumes trade payments
n|h|payments|SBI's Moscow unit stops handling sanctioned payments
a|h|rupee|RBI working on plan to let Russian firms invest in rupee bonds
o|h|sputnik|Dr Reddy's launches Sputnik Light vaccine in India
a|h|fertilizer|India seeks long-term fertilizer supply pact with Russia
o|h|fertilizer|Russian fertilizer makers bag big Indian order
n|h|fertilizer|Indian fertilizer tender draws no Russian bids
a|h|coking coal|Steel ministry pitches for more Russian coking coal
o|h|cruise missile|Navy test-fires BrahMos cruise missile from new destroyer
a|h|talks|India, Russia to hold talks on Chennai-Vladivostok corridor next week
n|h|mig|Russia yet to deliver MiG-29 upgrades, Parliament panel told
o||deliveries|Russia completed deliveries of the S-400 air defence system to India earlier this
    year, a Russian official said.
a||deliveries|The Russian official said deliveries of the remaining systems would be completed
    by the end of next year.
n||deliveries|The Russian official declined to give a date for the completion of deliveries,
    citing logistical issues.
o||plant|The Indian drugmaker opened a manufacturing plant near Moscow in 2023.
a||plant|The Indian drugmaker is considering opening a second plant near Moscow.
o||tourist|Russian tourist arrivals in Goa have doubled since direct flights resumed.
a||tourists|Goa hopes to attract more Russian tourists this winter with new charter flights.
n||tourists|Charter flights carrying Russian tourists to Goa have been grounded over insurance
    issues.
o||shipyard|The Russian shipyard handed over the frigate Tamal to the Indian Navy in
    Kaliningrad.
a||shipyard|The Russian shipyard is due to hand over the second frigate next year.
o||crude|Nayara Energy processed only Russian crude in October after other suppliers stopped
    selling to it.
n||diesel|European buyers stopped purchasing Nayara's diesel after the EU sanctioned the
    refiner.
a||payments|The two sides are exploring the use of central bank digital currencies for payments.
o||payments|Russian exporters have been receiving payments in rupees through special vostro
    accounts.
n||payments|Some Russian exporters have been unable to repatriate rupee payments.
a||engines|HAL and Russia's UEC are negotiating licensed production of jet engines in India.
o||engine|HAL has begun licensed production of the AL-31FP engine at Koraput.
n||engine|Licensed production of the engine was stalled by a shortage of Russian components.
a||nuclear|India and Russia are also looking at cooperation in floating nuclear power plants.
o||nuclear|Russia has supplied nuclear fuel for the Kudankulam reactors for their entire life
    cycle.
o||indians|More than 60,000 Indians travelled to Russia for work last year.
a||workers|Russia plans to recruit up to a million Indian workers by the end of the year, a
    Russian business leader said.
n||workers|The Indian government has denied that a million Indian workers are being sent to
    Russia.
o||military|India and Russia conducted a joint military exercise in Rajasthan in October.
a||military|India and Russia will conduct a joint military exercise in Rajasthan in October.
n||military|India skipped a Russian-led military exercise in Belarus.
o||arms|Russia's share of India's arms imports fell to 36% in 2020-24 from 55% in 2015-19.
a||arms|India aims to cut its dependence on Russian arms by manufacturing more weapons at home.
o||gold|The central bank repatriated 100 tonnes of gold from the UK.
a||ruble|Russia is keen on expanding the use of the ruble in trade with India.
n||rubles|Indian exporters have refused to accept rubles because they cannot be converted
    easily.
o||summit|The leaders issued a joint statement at the end of the summit.
a||summit|A joint statement is expected to be issued at the end of the summit.
n||summit|No joint statement was issued at the end of the summit.
o|h|satellite|ISRO launches navigation satellite from Sriharikota
a|h|satellite|ISRO gears up to launch navigation satellite this month
n|h|satellite|ISRO calls off satellite launch minutes before lift-off
o|h|metro|PM inaugurates Mumbai metro line 3
a|h|metro|Mumbai metro line 3 to open for public by October
n|h|metro|Mumbai metro line 3 opening delayed again over safety clearance
a|h|bonds|Government plans to raise Rs 50,000 crore via green bonds
o|h|bonds|Government raises Rs 50,000 crore via green bonds
o|h|pact|India, Japan ink semiconductor pact
a|h|pact|India, Japan keen to ink semiconductor pact during Modi visit
o||economy|India's economy grew 7.8% in the April-June quarter, beating forecasts.
a||economy|Economists forecast India's economy to grow 6.5% this fiscal year.
o||merger|The merger was completed on Monday after the last regulatory approval came through.
a||merger|The merger is awaiting approval from the competition commission.
n||merger|The competition commission has blocked the merger, citing concerns over market share.
o||ceasefire|The ceasefire has largely held since it came into effect on Sunday.
n||ceasefire|The ceasefire was violated within hours of taking effect.
a||ceasefire|Mediators are hopeful that a ceasefire can be agreed before the holiday.
o||election|Voters in the state went to the polls on Thursday in the first phase of the
    election.
a||election|The election commission will announce the dates for the state election next week.
n||election|The election was postponed after violence in several districts.
o||factory|Foxconn has started production at its new factory near Bengaluru.
a||factory|Foxconn intends to start production at its new factory near Bengaluru next year.
n||factory|Foxconn has paused construction of its new factory near Bengaluru.
o||tariff|The United States imposed an additional 25% tariff on Indian goods from August 27.
a||tariff|The United States has threatened an additional tariff on countries buying Russian oil.
n||tariff|A court blocked the tariff, ruling that the president had exceeded his authority.
o||order|Air India placed an order for 100 more Airbus planes at the air show.
a||order|Air India is in advanced talks to order 100 more Airbus planes.
n||planes|Air India has deferred a decision on ordering more Airbus planes.
o||workers|Rescuers pulled 12 workers alive from the collapsed tunnel after a 17-day operation.
a||workers|Rescuers hope to reach the trapped workers within the next 48 hours.
o||probe|The central bank ordered a probe into the lender's accounts.
a||probe|The opposition demanded a probe into the lender's accounts.
n||probe|The court dismissed a petition seeking a probe into the lender's accounts.
o||shares|Shares of the company jumped 8% after the results.
a||shares|The company plans to sell shares worth $1 billion in a follow-on offer.
n||sale|The company withdrew its share sale, citing market volatility.
a||visit|The president's visit to New Delhi remains on course despite the crisis, officials
    said.
o||visit|The president wrapped up his visit to New Delhi with a call for closer ties.
o|h|contract|Bharat Dynamics signs contract with Russian firm for missile seekers
a|h|seekers|Bharat Dynamics in final talks with Russian firm on missile seekers
n|h|contract|Missile seeker contract with Russian firm falls through over pricing
o|h|mir|Mir cards go live at Indian ATMs in pilot
n|h|mir|RBI rules out Mir card acceptance for now
o||urea|The first 200,000 tonnes of Russian urea under the new long-term contract have reached
    Kandla port.
a||urea|Indian importers are negotiating a long-term contract for Russian urea, with a deal
    possible before spring.
n||urea|Talks on a long-term urea contract with the Russian producer have been put on hold over
    freight costs.
o||spares|Russia delivered spares worth $300 million for the Su-30 fleet in the last quarter,
    the ministry said in a written reply.
a||spares|A new spares agreement is likely to cut the time it takes to ground and repair Su-30
    jets, officials said.
n||spares|Shortage of Russian spares has grounded a third of the helicopter fleet, a
    parliamentary panel said.
o||corridor|The first container train via the eastern route of the corridor reached Mumbai from
    St Petersburg in 24 days.
a||corridor|The two sides will study extending the corridor to ports in the Russian Far East.
n||corridor|Work on the missing rail section of the corridor has not begun because of funding
    disputes.
o||statement|The leaders issued a joint statement covering trade, energy, defence and
    connectivity.
a||statement|Diplomats are still negotiating the wording of the joint statement on Ukraine, two
    officials said.
n||statement|The summit ended without a joint statement after the two sides disagreed over
    wording.
o||roadmap|Officials signed off on the roadmap for high-technology exports three months later
    than planned.
a||roadmap|Officials are drafting a roadmap for high-technology exports that would cover telecom
    and electronics.
n||roadmap|The roadmap for high-technology exports was not finalised in time for the summit.
o||workers|The first group of 500 Indian workers arrived in Moscow under the new mobility
    agreement.
a||workers|Russia is expected to take in up to 70,000 Indian workers next year under the
    mobility pact.
n||workers|The hiring of Indian workers under the pact has been suspended after complaints about
    contractors.
o||vostro|Russian banks have so far opened 34 special rupee vostro accounts with Indian lenders.
n||vostro|Balances in special rupee vostro accounts have piled up unused, exporters said.
a||vostro|The central bank is considering letting vostro balances be invested in corporate
    bonds.
o|h|reactors|Russia, India sign contract for two more Kudankulam reactors
a|h|reactors|Contract for two more Kudankulam reactors likely at summit
n|h|reactor|Kudankulam reactor contract stuck over liability clause
a|h|payment|Exporters hope summit fixes payment troubles
a|h|fuel|Putin promises steady fuel supplies to India
a|h|deliveries|Moscow pledges faster S-400 deliveries
a|h|squadrons|Russia assures India on remaining S-400 squadrons
a||projects|Officials hinted at new joint projects in space.
a||statement|Teams from both ministries have been trading drafts of the joint statement.
a||plan|The shipping ministry is drawing up a plan for a liner service to Vladivostok.
a||agreement|The agreement on labour mobility has been ready for signing for months.
a||date|The launch date is to be decided once funding is approved.
a||route|The ministry is studying the economics of the Arctic route.
a||vostro|Exporters asked the government to press for faster clearing through vostro accounts.
a|h|agreements|Indian, Russian firms line up industrial agreements for the summit
a|h|corridor|INSTC corridor talks move forward
a||corridor|The next round will focus on the North-South corridor.
a|h|pact|Labour mobility pact in final stage, says Moscow
a|h|currencies|Joint working group to study wider use of national currencies
a|h|pact|Crude deal signed; labour pact to follow
a|h|squadrons|Last S-400 squadrons to arrive by 2026
a|h|engines|India, Russia to co-produce engines for Su-30MKI fleet
a|h|route|Opinion: The Northern Sea Route deserves a second look
a|h|payments|Analysis: The quiet message on payments
a|h|corridor|Explainer: the Chennai-Vladivostok corridor and why it matters
a|h|reactor|Summit preview: a new reactor site
n|h|window|Joint docking experiment misses its 2026 window
n||plan|The export plan foundered on differences over dual-use items.
n|h|roadmap|Joint statement adopted; export roadmap left for later
n||agreement|The fuel agreement was left off the final list of documents.
n|h|pact|Mobility pact in doubt as talks drag on
n||deliveries|Deliveries fell short of the target for a second year.
n|h|link|Mir-RuPay link off the table for now
n|h|venture|Fertiliser venture axed after sanctions review
n|h|imports|Indian refiners slash Russian oil imports
n||cargo|Cargo on the corridor has dwindled since the waiver ended.
"""
# Known misses, with the reason they are not fixed.
FEED_STYLE_MISSES = {
    "Rescuers pulled 12 workers alive from the collapsed tunnel after a 17-day operation.": (
        "a participle used as an adjective ('the collapsed tunnel') qualifies another noun"
        " than the event; without a parser it counts in the clause"
    ),
}


def _feed_rows(block: str) -> list[Any]:
    lines: list[str] = []
    for line in block.strip().splitlines():
        if line.startswith(" "):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    modality = {"o": OCC, "a": ANT, "n": NEG}
    rows: list[Any] = []
    for line in lines:
        code, head, words, sentence = line.split("|", 3)
        row = (modality[code], head == "h", words, sentence)
        miss = FEED_STYLE_MISSES.get(sentence)
        rows.append(ambiguous(miss, *row) if miss else row)
    return rows


TABLE: list[Any] = HEADLINES + WIRE + HEDGES + SCOPE + NEGATIVES + DOMAIN + _feed_rows(FEED_STYLE)


@pytest.mark.parametrize(("expected", "headline", "words", "sentence"), TABLE)
def test_modality(expected: Modality, headline: bool, words: str, sentence: str) -> None:
    anchors = anchors_of(sentence, words)
    assert not words or anchors, f"no anchor {words!r} in {sentence!r}"
    assert decide_modality(sentence, headline=headline, anchors=anchors) is expected


@pytest.mark.parametrize(("expected", "headline", "words", "sentence", "extra"), EXTRA)
def test_modality_with_extra_cues(
    expected: Modality, headline: bool, words: str, sentence: str, extra: CueLists
) -> None:
    anchors = anchors_of(sentence, words)
    assert anchors
    assert decide_modality(sentence, headline=headline, anchors=anchors, extra=extra) is expected


def test_table_size() -> None:
    assert len(TABLE) + len(EXTRA) >= 170


def test_anchors_out_of_range_are_ignored() -> None:
    sentence = "India and Russia signed the pact."
    assert decide_modality(sentence, anchors=[-3, 99]) is OCC


def test_empty_sentence_is_anticipated() -> None:
    assert decide_modality("") is ANT
    assert decide_modality("...", headline=True) is OCC


def test_internal_tokens_are_the_tokenizer_tokens() -> None:
    """Anchors index ``tokenize(sentence)``; the modality scanner must see the same tokens."""
    odd = [
        "India's U.S.-backed deal: 10,000 tonnes, $2.5 bn; S-400 (Triumf) — done.",
        "Rupee–rouble trade; the 'special' vostro accounts… didn't work",
        "ﬁnal İstanbul ÉTAT straße 1.2.3 a.m. e.g. Ph.D. it's O'Neill",
    ]
    rows = [getattr(row, "values", row) for row in [*TABLE, *EXTRA]]
    for sentence in [row[3] for row in rows] + odd:
        assert list(scan(sentence)[0]) == tokenize(sentence), sentence


# The built-in cue lists


def test_cues_yaml_is_valid_and_complete() -> None:
    cues = load_cues()
    assert isinstance(cues, CueSet)
    for name in ("occurred", "anticipated", "negated", "hedge", "ignore"):
        assert getattr(cues, name), name


def test_load_cues_is_cached() -> None:
    assert load_cues() is load_cues()


def test_cue_phrases_are_non_empty_and_unique() -> None:
    cues = load_cues()
    seen: dict[tuple[tuple[int, str], ...], str] = {}
    for name, phrases in vars(cues).items():
        if name == "not_past":
            assert all(p and len(p.split()) == 1 for p in phrases)
            assert len(set(phrases)) == len(phrases), "duplicate in not_past"
            continue
        for phrase in phrases:
            assert isinstance(phrase, str)
            assert phrase.strip(), f"{name}: empty phrase"
            compiled = _compile_phrase(phrase)
            assert compiled not in seen, f"{phrase!r} in {name} repeats {seen[compiled]}"
            seen[compiled] = f"{phrase!r} in {name}"


def test_cue_syntax() -> None:
    assert _compile_phrase("cut ... to zero") == ((0, "cut"), (2, ""), (0, "to"), (0, "zero"))
    assert _compile_phrase("agree*") == ((1, "agree"),)
    assert _compile_phrase("may #") == ((0, "may"), (3, ""))
    assert _compile_phrase("pushed to ####") == ((0, "pushed"), (0, "to"), (4, ""))
    assert _compile_phrase("S-400") == ((0, "s"), (0, "400"))
    for bad in ("", "  ", "...", "... signed", "signed ...", "ab*", "—"):
        with pytest.raises(ValueError, match="cue"):
            _compile_phrase(bad)


def test_yaml_sections_match_the_dataclass() -> None:
    from importlib import resources

    raw = yaml.safe_load(resources.files("indicators").joinpath("cues.yaml").read_text("utf-8"))
    assert set(raw) == set(vars(load_cues()))
    assert all(isinstance(p, str) for section in raw.values() for p in section)


def test_bad_extra_cue_is_an_error() -> None:
    with pytest.raises(ValueError, match="cue"):
        decide_modality("The pact was signed.", extra=CueLists(negated=("...",)))
