"""Word lists of the item reader (``terms``): data, kept apart so the rules stay short."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Lower-case words inside a name: "Ursula von der Leyen", "Court of Justice".
CONNECTORS = _words(
    """
    of de der von van du da la le del al bin
    """
)

# Days and months: a date, never a name or a term.
CALENDAR = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december
    """
)

# Articles that open a capitalised run without being part of the name.
LEADING = _words(
    """
    the a an
    """
)

# Words that carry no event: reporting, modality, scheduling, aspect ("signalled", "due").
NOT_EVENTS = _words(
    """
    say tell signal signalled signaled expect plan seek begin start continue aim try
    want need could would will may might must should can due set likely be have do get
    make take give go come keep remain stand look become mark draw highlight suggest
    show call ease help allow enable include
    """
)

# Words that end an institution's name: such a name is a strong term on its own.
ORG_WORDS = _words(
    """
    court commission council parliament bank fund agency authority ministry board union
    association organisation organization company corporation group committee tribunal
    assembly senate congress office institute federation
    """
)

# Function words: never a term.
STOP = _words(
    """
    a an the of in on at to for from by with without and or not no nor but if as is are
    was were be been being it its this that these those he she they we you i his her
    their our has have had do does did will would can could may might shall should than
    then there here so into over about after before up down out said says all each every
    some only own same both either neither one two also very too just under again once
    other against during while until unless per via whose whom who which what when where
    why how whether near through across above below least most within beyond
    three four five six seven eight nine ten hundred thousand million millions billion
    billions trillion bln mln
    """
)
