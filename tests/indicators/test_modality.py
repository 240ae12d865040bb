"""Modality of evidence (indicators.modality): a table of sentences with their anchors.

Each row is (expected, headline?, anchor words, sentence). The anchor words stand for the
indicator's query terms: every token of the sentence equal to one of them is an anchor (as
``indicators.text.tokenize`` splits it). All sentences are written for this table.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml

from indicators.modality import CueSet, _compile_phrase, _scan, decide_modality, load_cues
from indicators.model import CueLists, Modality
from indicators.text import tokenize

O, A, N = Modality.OCCURRED, Modality.ANTICIPATED, Modality.NEGATED
H, B = True, False  # headline or body text


def anchors_of(sentence: str, words: str) -> list[int]:
    wanted = set(tokenize(words))
    return [i for i, tok in enumerate(tokenize(sentence)) if tok in wanted]


def ambiguous(reason: str, *row: Any) -> Any:
    """A row whose expected value is debatable and which the procedure gets the other way."""
    return pytest.param(*row, marks=pytest.mark.xfail(reason=reason, strict=True))


HEADLINES: list[Any] = [
    (O, H, "pact", "India, Russia sign pact on shipping corridor"),
    (A, H, "pact", "India, Russia to sign pact on shipping corridor"),
    (O, H, "deal", "Rosneft inks crude supply deal with Indian refiner"),
    (A, H, "deal", "Indian refiner, Rosneft to ink crude supply deal"),
    (O, H, "framework", "India and Russia seal rupee-rouble payment framework"),
    (O, H, "statement", "Moscow, New Delhi adopt joint statement on energy security"),
    (O, H, "venture", "Indian, Russian firms launch joint venture for rail components"),
    (A, H, "agreements", "Putin visit: India, Russia set to sign 10 agreements"),
    (A, H, "deal", "India, Russia may sign nuclear power deal during summit"),
    (N, H, "rupee", "India, Russia fail to agree on rupee trade mechanism"),
    (A, H, "production", "India, Russia agree to explore joint production of aircraft parts"),
    (O, H, "trade", "India, Russia agree on roadmap for trade in national currencies"),
    (N, H, "lng", "No deal yet on Indian purchases of Russian LNG"),
    (N, H, "crude", "Reliance halts Russian crude imports after new sanctions"),
    (O, H, "oil", "Indian refiners resume Russian oil purchases"),
    (N, H, "oil", "Indian state refiners cut Russian oil imports to zero"),
    (N, H, "deliveries", "S-400 deliveries to India delayed again"),
    (A, H, "platform", "India, Russia in talks to set up rupee payment platform"),
    (A, H, "fertiliser", "India eyes Russian fertiliser deal"),
    (A, H, "arctic", "Russia, India hold talks on Arctic shipping route"),
    (O, H, "modi putin", "Modi, Putin hold talks in New Delhi"),
    (O, H, "", "India and Russia ink 16 pacts at annual summit"),
    (A, H, "mobility", "India, Russia likely to finalise labour mobility pact"),
    (N, H, "rupee", "Rupee trade mechanism stuck over pricing dispute"),
    (N, H, "nuclear", "India-Russia nuclear deal: talks stall over liability"),
    (N, H, "deal", "Rosneft-Nayara stake deal collapses"),
    (A, H, "crude", "Russia to supply more crude to India from January"),
    (O, H, "crude", "Russia supplies record volume of crude to India"),
    (N, H, "coal", "Indian firms shelve plans for Russian coal mine stake"),
    (O, H, "unit", "Kudankulam unit 3 commissioned"),
    (A, H, "corridor", "Chennai-Vladivostok corridor to be operational by 2027"),
    (O, H, "production", "Indo-Russian rifle venture begins production in Amethi"),
    (N, H, "payments", "Sanctions: Indian banks stop processing payments for Russian oil"),
    (A, H, "trade", "India, Russia should expand trade in national currencies: Lavrov"),
    (O, H, "brahmos", "BrahMos export order clinched"),
    (A, H, "stake", "Russia offers India stake in Arctic LNG project"),
    (O, H, "putin", "Putin arrives in New Delhi for annual summit"),
    (N, H, "deal", "India not to sign Russian oil deal this year"),
    (A, H, "s 400", "Will India order more S-400 systems?"),
    (O, H, "frigate", "Navy receives second Russian-built frigate"),
    (A, H, "mir rupay", "India mulls linking RuPay with Russia's Mir"),
    (O, H, "vostro", "RBI clears more vostro accounts for Russian banks"),
    (A, H, "oil", "Indian refiners weigh Russian oil buys after sanctions"),
    (N, H, "oil", "Indian refiners pause Russian oil orders"),
    (O, H, "", "Jaishankar meets Lavrov, reviews ties"),
    (A, H, "summit", "Putin's December visit: what to expect from the summit"),
    (A, H, "pact", "India, Russia close to finalising defence logistics pact"),
    (O, H, "pact", "Russian Duma ratifies military logistics pact with India"),
    (O, H, "ruble rupee", "Rupee-rouble trade gets a boost as banks open new accounts"),
    (N, H, "visit", "Putin's visit to India postponed"),
]

WIRE: list[Any] = [
    (
        O,
        B,
        "agreement",
        "NEW DELHI (Reuters) - India and Russia signed an agreement on Friday to expand"
        " cooperation in nuclear energy, officials said.",
    ),
    (
        A,
        B,
        "agreement",
        "India and Russia are expected to sign an agreement on the mobility of skilled workers"
        " during Putin's visit next month.",
    ),
    (
        A,
        B,
        "pact",
        "The two sides have been negotiating a free trade pact between India and the Eurasian"
        " Economic Union for over a year.",
    ),
    (
        O,
        B,
        "fuel",
        "Rosatom said on Tuesday it had delivered the first batch of fuel for the third unit.",
    ),
    (
        N,
        B,
        "orders",
        "Indian state refiners have not placed any orders for Russian crude for December"
        " loading, trade sources said.",
    ),
    (
        O,
        B,
        "rupee",
        "The rupee payment mechanism has been in operation since 2022, a central bank official"
        " said.",
    ),
    (
        O,
        B,
        "oil",
        "India's imports of Russian oil rose 12% in October from the previous month, data from"
        " ship-tracking firms showed.",
    ),
    (
        A,
        B,
        "deal",
        "The deal, which was first mooted in 2019, is expected to be finalised at the summit.",
    ),
    (
        O,
        B,
        "shipbuilding",
        "The pact, signed in Moscow on Monday, covers cooperation in shipbuilding and port"
        " logistics.",
    ),
    (A, B, "rupees", "Officials from both sides discussed ways to settle more trade in rupees."),
    (N, B, "agreement", "Negotiations on the free trade agreement stalled last year over tariffs."),
    (N, B, "pact", "The signing of the pact has been postponed to next year, the ministry said."),
    (A, B, "squadrons", "Russia has agreed to supply two more S-400 squadrons by 2027."),
    (N, B, "units", "The Indian side is yet to receive the last two units of the air defence system."),
    (O, B, "statement", "The two leaders adopted a joint statement on the strategic partnership."),
    (
        O,
        B,
        "healthcare",
        "The countries exchanged memorandums of understanding on healthcare, education and"
        " culture.",
    ),
    (
        O,
        B,
        "coal",
        "The first consignment of Russian coking coal under the new contract arrived at Paradip"
        " port last week.",
    ),
    (N, B, "lng", "Talks on a long-term LNG supply contract with Novatek have stalled over price."),
    (
        N,
        B,
        "payments",
        "Several Indian banks have refused to process payments linked to sanctioned Russian"
        " companies.",
    ),
    (
        A,
        B,
        "rupay",
        "The proposal to link India's RuPay cards with Russia's Mir network is under"
        " consideration.",
    ),
    (
        N,
        B,
        "payments",
        "Payments for Russian arms remain stuck in Indian banks because of the sanctions.",
    ),
    (O, B, "frigate", "The Indian Navy commissioned the Russian-built frigate in July."),
    (A, B, "trade finance", "A joint working group on trade finance will meet in Moscow next week."),
    (
        A,
        B,
        "corridor",
        "Ministers reviewed progress on the International North-South Transport Corridor.",
    ),
    (O, B, "crude", "India bought 1.7 million barrels a day of Russian crude in November."),
    (N, B, "protocol", "Neither side has signed the protocol on rupee trade settlement."),
    (
        O,
        B,
        "logistics",
        "The ratification of the reciprocal logistics agreement was approved by the Duma.",
    ),
    (A, B, "stake", "Rosneft could take a stake in an Indian refinery if the talks succeed."),
    (A, B, "putin", "The Kremlin confirmed that Putin will travel to New Delhi on December 4."),
    (
        A,
        B,
        "oil",
        "Indian Oil Corp said it will continue buying Russian oil as long as the supplier is not"
        " under sanctions.",
    ),
    (
        O,
        B,
        "treaty",
        "Negotiators on Thursday finalised the text of a bilateral investment treaty, which is"
        " expected to be signed at the summit.",
    ),
    (
        A,
        B,
        "",
        "MOSCOW, Dec 5 (Wire) — Russia and India will hold the next round of strategic dialogue"
        " in January.",
    ),
    (O, B, "", "Russian President Vladimir Putin arrived in New Delhi on Thursday evening."),
    (O, B, "flights", "Aeroflot resumed direct flights between Moscow and Goa last month."),
    (A, B, "flights", "Aeroflot plans to add direct flights between Moscow and Kolkata."),
]

HEDGES: list[Any] = [
    (A, B, "stake", "Rosneft sold its stake in the Indian refinery to a consortium, two sources said."),
    (A, B, "squadron", "Russia reportedly delivered the fourth S-400 squadron in October."),
    (N, B, "payments", "India has halted payments for Russian oil in dirhams, sources said."),
    (
        A,
        B,
        "crude",
        "Indian refiners bought Russian crude at a discount of $5 a barrel, according to sources.",
    ),
    (A, B, "pact", "The pact is said to cover cooperation in space and cyber security."),
    (
        O,
        B,
        "agreements",
        "According to an official statement, the two sides signed eight agreements.",
    ),
    (O, B, "agreement", "The ministry said the agreement was signed in Moscow."),
    (
        A,
        B,
        "frigate",
        "Unconfirmed reports suggest that the Indian Navy has received the frigate.",
    ),
    (A, B, "su 57", "There is speculation that Russia will offer India the Su-57 fighter."),
    (
        A,
        B,
        "contract",
        "The contract was signed last week, people familiar with the matter said.",
    ),
    (A, H, "deal", "Rosneft reportedly seals deal for stake in Indian port"),
]

SCOPE: list[Any] = [
    (O, B, "india russia pact", "Despite the delays, India and Russia signed the pact."),
    (O, B, "", "Despite the delays, India and Russia signed the pact."),
    (
        O,
        B,
        "shipping",
        "India and Russia signed a pact on shipping but talks on rupee payments stalled.",
    ),
    (
        N,
        B,
        "rupee payments",
        "India and Russia signed a pact on shipping but talks on rupee payments stalled.",
    ),
    (N, B, "", "India and Russia signed a pact on shipping but talks on rupee payments stalled."),
    (
        O,
        B,
        "shipping",
        "Talks on rupee payments stalled, but India and Russia signed a pact on shipping.",
    ),
    (
        N,
        B,
        "payments",
        "Talks on rupee payments stalled, but India and Russia signed a pact on shipping.",
    ),
    (
        O,
        B,
        "shipping",
        "While the shipping pact was signed, the payments agreement remains stuck.",
    ),
    (
        N,
        B,
        "payments",
        "While the shipping pact was signed, the payments agreement remains stuck.",
    ),
    (
        O,
        B,
        "pact",
        "India signed the pact with Russia although talks on defence co-production have stalled.",
    ),
    (
        N,
        B,
        "production",
        "India signed the pact with Russia although talks on defence co-production have stalled.",
    ),
    (
        O,
        B,
        "fertiliser",
        "Although the summit was delayed, the two sides inked a deal on fertiliser supplies.",
    ),
    (O, B, "coal", "India resumed imports of Russian coal that had been halted in March."),
    (
        A,
        B,
        "reactors",
        "Russia and India signed a deal that will see Rosatom build six more reactors.",
    ),
    (O, B, "deal", "Russia and India signed a deal that will see Rosatom build six more reactors."),
    (O, B, "agreement", "The agreement was signed in 2019 and will be renewed next year."),
    (
        N,
        B,
        "nuclear",
        "India and Russia did not sign the nuclear deal, but they agreed to continue talks.",
    ),
    (
        O,
        B,
        "india crude deal",
        "Russia halted fuel exports to Europe, while India signed a new crude deal with Rosneft.",
    ),
    (
        O,
        B,
        "platform",
        "Amid stalled talks on the free trade agreement, the two sides launched a payment"
        " platform.",
    ),
    (
        N,
        B,
        "agreement",
        "Amid stalled talks on the free trade agreement, the two sides launched a payment"
        " platform.",
    ),
    (O, B, "pact", "India and Russia signed the pact ahead of the summit."),
    (A, B, "mobility", "Ahead of the summit, officials are finalising a pact on labour mobility."),
    (
        O,
        B,
        "energy",
        "After talks in Moscow, India and Russia agreed on a roadmap for energy cooperation.",
    ),
    (
        O,
        B,
        "crude",
        "India, which had paused purchases in September, resumed buying Russian crude in"
        " October.",
    ),
    (
        N,
        B,
        "deliveries",
        "The deal was signed, officials said, but the first deliveries have been delayed.",
    ),
    (O, B, "deal", "The deal was signed, officials said, but the first deliveries have been delayed."),
    (O, B, "pact", "India signed the pact but has not ratified it."),
    (O, B, "tranche", "The first tranche was paid in rupees; the second remains frozen."),
    (N, B, "fertilisers", "The MoU on shipbuilding was signed; the one on fertilisers was not."),
    (O, B, "shipbuilding", "The MoU on shipbuilding was signed; the one on fertilisers was not."),
    (
        A,
        B,
        "helicopters",
        "India and Russia signed a pact on Friday and agreed to explore joint production of"
        " helicopters.",
    ),
    (
        O,
        B,
        "pact",
        "India and Russia signed a pact on Friday and agreed to explore joint production of"
        " helicopters.",
    ),
    (N, B, "pact", "The pact will not be signed unless Russia lowers the price."),
    (
        O,
        B,
        "stake sale",
        "Rosneft declined to comment on the stake sale, which was completed last week.",
    ),
    (
        O,
        B,
        "india russia pact",
        "Despite the delays India and Russia signed the pact on Friday.",
    ),
    (O, B, "india russia pact", "India and Russia signed the pact despite Western objections."),
    (
        O,
        B,
        "india russia pact",
        "In spite of the stalled talks, India and Russia signed the pact.",
    ),
]

NEGATIVES: list[Any] = [
    (O, B, "oil deal", "India not only signed the oil deal but also agreed to buy fertilisers."),
    (A, B, "contract", "The contract must be signed no later than March 31."),
    (A, B, "spare parts", "Russia promised to deliver the spare parts without delay."),
    (O, B, "agreement", "As expected, the two sides signed the agreement on Thursday."),
    (O, B, "agreement", "The two sides signed an agreement to explore cooperation in the Arctic."),
    (N, B, "deal", "India will not sign the deal until Russia agrees on pricing."),
    (N, B, "agreement", "The agreement may not be signed during this visit."),
    (O, B, "imports", "Indian refiners resumed imports of Russian crude in May."),
    (N, B, "imports", "Indian refiners halted imports of Russian crude in May."),
    (N, B, "imports", "Nayara cut its imports of Russian crude to zero in December."),
    (N, B, "mobility", "The labour mobility agreement is yet to be signed."),
    (N, B, "s 400", "Russia has yet to deliver the remaining two S-400 units."),
    (N, B, "treaty", "The treaty has not yet come into force."),
    (N, B, "swap", "New Delhi ruled out a rupee-rouble swap arrangement for now."),
    (
        N,
        B,
        "pact",
        "The Kremlin denied reports that India and Russia had signed a secret defence pact.",
    ),
    (N, B, "waiver", "India failed to secure a waiver for payments in rupees."),
    (N, B, "lng", "The countries were unable to agree on a price for the LNG cargoes."),
    (
        N,
        B,
        "fertiliser",
        "Russia refused to accept payment in rupees for the fertiliser shipments.",
    ),
    (
        N,
        B,
        "shipbuilding",
        "The proposal for a joint shipbuilding yard was rejected by the Indian cabinet.",
    ),
    (N, B, "refinery", "Plans for a Russian-built refinery in Gujarat were shelved in 2023."),
    (
        N,
        B,
        "helicopter",
        "The helicopter deal fell through after the two sides failed to agree on technology"
        " transfer.",
    ),
    (N, B, "rupee", "No agreement was reached on a rupee-rouble exchange rate mechanism."),
    (N, B, "corridor", "The summit ended without an agreement on the Chennai-Vladivostok corridor."),
    (
        A,
        B,
        "crude",
        "Indian Oil did not immediately respond to a request for comment on its Russian crude"
        " purchases.",
    ),
    (N, B, "crude", "Not a single Russian crude cargo was unloaded at Indian ports in December."),
    (N, B, "lng", "India has never bought Russian LNG under a long-term contract."),
    (N, B, "contract", "The contract was cancelled after Russia missed two delivery deadlines."),
    (N, B, "talks", "The talks have been called off."),
    (N, B, "summit", "The summit was postponed to next year."),
    (N, B, "payment", "There was no breakthrough on the payment issue."),
    (
        N,
        B,
        "dividends",
        "Sanctions have frozen about $1 billion of Indian dividends from Russian oil fields.",
    ),
    (O, B, "agreement", "The agreement was signed without delay once the price was agreed."),
    (N, B, "oil", "Reliance said it would comply with the sanctions and stop buying Russian oil."),
    (N, B, "proposal", "The central bank has not approved the proposal to settle trade in roubles."),
    (N, B, "deal", "The deal is unlikely to be signed before the elections."),
    (
        A,
        B,
        "joint venture",
        "Officials did not rule out a joint venture for producing fertilisers in Russia.",
    ),
    (N, B, "project", "Work on the project has ground to a halt."),
    (N, B, "imports", "Imports of Russian coal dried up after the payment problems."),
    (N, B, "purchases", "Indian refiners have suspended purchases from sanctioned suppliers."),
    (N, B, "talks", "The talks collapsed over the pricing formula."),
    (N, B, "shipments", "Shipments remain frozen pending a settlement."),
    (N, B, "venture", "The Indian partner pulled out of the venture in June."),
    (N, B, "stake", "ONGC Videsh withdrew its bid for the stake."),
    (N, B, "pact", "India is not expected to sign the pact during the visit."),
    (O, B, "oil", "There is no doubt that India bought record volumes of Russian oil in June."),
    ambiguous(
        "a negated halt is a continuation: double negation is read as a negation",
        O,
        B,
        "supplies",
        "Russia did not cut supplies of crude to India in the first quarter.",
    ),
    ambiguous(
        "denying a suspension asserts the deliveries: double negation is read as a negation",
        O,
        B,
        "deliveries",
        "Moscow denied reports that the S-400 deliveries had been suspended.",
    ),
]

EXTRA: list[Any] = [
    (A, B, "platform", "The rupee-rouble settlement platform is now live.", CueLists()),
    (
        O,
        B,
        "platform",
        "The rupee-rouble settlement platform is now live.",
        CueLists(occurred=("is now live",)),
    ),
    (
        A,
        B,
        "talks",
        "Talks on the Arctic route went quiet after the summit.",
        CueLists(),
    ),
    (
        N,
        B,
        "arctic",
        "Talks on the Arctic route went quiet after the summit.",
        CueLists(negated=("went quiet",)),
    ),
    (
        O,
        B,
        "corridor",
        "The two sides commissioned a study for the corridor.",
        CueLists(),
    ),
    (
        A,
        B,
        "corridor",
        "The two sides commissioned a feasibility study for the corridor.",
        CueLists(anticipated=("feasibility study",)),
    ),
    (
        O,
        B,
        "payments",
        "Several payments to Russian suppliers bounced last month.",
        CueLists(),
    ),
    (
        N,
        B,
        "payments",
        "Several payments to Russian suppliers bounced last month.",
        CueLists(negated=("bounce*",)),
    ),
    (
        N,
        B,
        "payments",
        "The bank sent the payments back to Moscow.",
        CueLists(negated=("sent ... back",)),
    ),
    (O, B, "jets", "The navy floated a tender for 26 jets.", CueLists()),
    (
        A,
        B,
        "jets",
        "The navy floated a tender for 26 jets.",
        CueLists(anticipated=("tender",)),
    ),
    (
        O,
        B,
        "cut",
        "The ribbon was cut by the two ministers.",
        CueLists(occurred=("was cut",)),
    ),
    (
        A,
        H,
        "refinery",
        "Russian firm bids for Indian refinery",
        CueLists(anticipated=("bids for",)),
    ),
]

DOMAIN: list[Any] = [
    (
        O,
        B,
        "jaishankar lavrov",
        "External Affairs Minister S. Jaishankar held talks with his Russian counterpart Sergey"
        " Lavrov in Moscow on Monday.",
    ),
    (A, B, "summit", "The two ministers discussed preparations for the annual summit."),
    (A, B, "putin", "Putin is scheduled to visit New Delhi in early December for the summit."),
    (
        A,
        B,
        "trade",
        "India and Russia agreed to work towards a target of $100 billion in bilateral trade by"
        " 2030.",
    ),
    (
        O,
        B,
        "agreements",
        "Indian and Russian companies signed 12 agreements in sectors ranging from"
        " pharmaceuticals to rare earths.",
    ),
    (
        O,
        B,
        "vostro",
        "India's central bank allowed Russian banks to open special rupee vostro accounts.",
    ),
    (
        O,
        B,
        "branch",
        "Sberbank opened a branch in Mumbai to handle rupee trade settlements.",
    ),
    (A, B, "frigate", "The Indian Navy will receive the second frigate early next year."),
    (
        O,
        B,
        "mou",
        "HAL and United Aircraft Corporation signed an MoU to produce a regional jet in India.",
    ),
    (
        A,
        B,
        "plant",
        "Russia has offered to set up a plant in India for making spare parts for Sukhoi jets.",
    ),
    (
        A,
        B,
        "reactors",
        "Nuclear Power Corporation of India is in talks with Rosatom for six more reactors.",
    ),
    (O, B, "crude", "India became the largest buyer of Russian seaborne crude in 2023."),
    (
        O,
        B,
        "imports",
        "Imports of Russian crude by Indian refiners dropped sharply after Washington sanctioned"
        " two Russian producers.",
    ),
    (
        O,
        B,
        "national currencies",
        "India and Russia have settled trade worth over $2 billion in national currencies this"
        " year.",
    ),
    (O, B, "corridor", "India and Russia launched the Chennai-Vladivostok maritime corridor last year."),
    (A, B, "bond", "Moscow has proposed a rupee-denominated bond issue by Russian firms in India."),
    (
        O,
        B,
        "fertiliser",
        "The first batch of Russian fertiliser under the long-term contract has already been"
        " shipped.",
    ),
    (O, B, "exports", "Indian pharmaceutical exports to Russia grew 10% in the first half."),
    (A, B, "flights", "Russia and India plan to double the number of direct flights."),
    (
        A,
        B,
        "facility",
        "VTB Bank is preparing to launch a rupee-settled trade finance facility.",
    ),
    (O, B, "contract", "The S-400 contract, worth $5.4 billion, was signed in 2018."),
    (A, B, "squadrons", "The remaining two squadrons will be delivered by 2026, the ambassador said."),
    (
        N,
        B,
        "squadrons",
        "Delivery of the remaining squadrons has been delayed because of the war.",
    ),
    (O, B, "deficit", "India's trade deficit with Russia widened to a record $59 billion."),
    (
        A,
        B,
        "mobility",
        "A team of Indian officials is in Moscow to negotiate the text of the mobility pact.",
    ),
    (
        O,
        B,
        "partnership",
        "India and Russia reaffirmed their commitment to the special and privileged strategic"
        " partnership.",
    ),
    (O, B, "igla", "The Indian Army has started inducting Igla-S air defence systems."),
    (A, B, "freight", "Russian Railways will help India build high-speed freight corridors."),
    (O, B, "agreement", "Russia approved the ratification of the logistics agreement with India."),
    (
        A,
        B,
        "payments",
        "The two central banks are working on a mechanism to ease payments for exporters.",
    ),
    (
        A,
        B,
        "payments",
        "The finance ministry is considering a proposal to allow payments in UAE dirhams.",
    ),
    (
        O,
        B,
        "dirhams",
        "Indian refiners paid for some Russian cargoes in UAE dirhams last quarter.",
    ),
    (N, B, "yuan", "Indian refiners stopped paying for Russian oil in Chinese yuan."),
    (
        A,
        B,
        "kudankulam",
        "The leaders are likely to review progress on the Kudankulam nuclear plant.",
    ),
    (
        O,
        B,
        "kudankulam",
        "Rosatom completed the dome of the fifth unit at Kudankulam this week.",
    ),
    (
        A,
        B,
        "arctic",
        "The two sides explored opportunities for Indian investment in Arctic oil projects.",
    ),
    (
        A,
        B,
        "visa",
        "A visa-free group travel scheme is on the agenda for the summit.",
    ),
    (O, B, "visas", "Russia introduced e-visas for Indian tourists in August."),
    (
        A,
        B,
        "fighter",
        "Moscow is pushing for a joint fighter jet programme with Hindustan Aeronautics.",
    ),
    (
        N,
        B,
        "fighter",
        "India withdrew from the joint fighter jet programme in 2018.",
    ),
    (
        O,
        B,
        "shipments",
        "Russian shipments of sunflower oil to India hit a record in July.",
    ),
    (
        A,
        B,
        "workers",
        "Russia wants to hire thousands of Indian workers for construction projects.",
    ),
    (
        O,
        B,
        "workers",
        "Several thousand Indian workers moved to Russia under the scheme this year.",
    ),
    (A, B, "oil", "Indian refiners will keep buying Russian oil that is not sanctioned."),
    (
        A,
        B,
        "mechanism",
        "Officials are in the final stages of talks on a mechanism to settle trade in rupees.",
    ),
    (
        O,
        B,
        "mechanism",
        "The two countries put in place a mechanism to settle trade in rupees in 2022.",
    ),
    (
        A,
        B,
        "deal",
        "A deal on the lease of a nuclear submarine could be signed during the visit.",
    ),
    (A, B, "summit", "The 23rd annual summit will take place in New Delhi."),
    (O, B, "summit", "The 22nd annual summit took place in Moscow in July."),
    (A, B, "oil", "Will India keep buying Russian oil?"),
]

TABLE: list[Any] = HEADLINES + WIRE + HEDGES + SCOPE + NEGATIVES + DOMAIN


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
    assert decide_modality(sentence, anchors=[-3, 99]) is O


def test_empty_sentence_is_anticipated() -> None:
    assert decide_modality("") is A
    assert decide_modality("...", headline=True) is O


def test_internal_tokens_are_the_tokenizer_tokens() -> None:
    """Anchors index ``tokenize(sentence)``; the modality scanner must see the same tokens."""
    odd = [
        "India's U.S.-backed deal: 10,000 tonnes, $2.5 bn; S-400 (Triumf) — done.",
        "Rupee–rouble trade; the 'special' vostro accounts… didn't work",
        "ﬁnal İstanbul ÉTAT straße 1.2.3 a.m. e.g. Ph.D. it's O'Neill",
    ]
    rows = [getattr(row, "values", row) for row in [*TABLE, *EXTRA]]
    for sentence in [row[3] for row in rows] + odd:
        assert list(_scan(sentence)[0]) == tokenize(sentence), sentence


def test_decide_modality_is_fast() -> None:
    sentence = (
        "NEW DELHI (Reuters) - India and Russia on Friday signed an agreement to explore joint"
        " production of aircraft components in India, two officials said, adding that talks on"
        " rupee payments stalled again."
    )
    anchors = anchors_of(sentence, "agreement production")
    assert len(tokenize(sentence)) >= 30
    decide_modality(sentence, anchors=anchors)
    runs = 2000
    start = time.perf_counter()
    for _ in range(runs):
        decide_modality(sentence, anchors=anchors)
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 200e-6  # about 30 µs on a laptop; generous for a loaded CI machine


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
