"""Word lists behind the tone profile.

Each list is small on purpose: a word belongs here only when it marks a style in almost every context
a support answer can have ("wanna" is casual everywhere; "problem" is not negative in a help desk).
Words are lower case; `WORD_CLASS` maps a word to the bit set of classes it belongs to so that one
pass over the words of a text counts every class.
"""

from __future__ import annotations

import re

SLANG = frozenset("""
u ur ya yah yeah yea yep yup nope nah wanna gonna gotta gimme lemme dunno kinda sorta lol lmao rofl omg
btw thx thnx tnx pls plz plez ty np kk cuz coz tho thru luv hiya howdy sup bro dude yo aint y'all ya'll
smth sth idk tbh imo imho ppl msg pic pics bday asap hey heya awesome stuff dont cant wont im ive
isnt doesnt didnt havent hasnt wasnt werent arent couldnt wouldnt shouldnt youre theyre thats whats
wheres theres hows wat wot cya ttyl gr8 b4 l8r 2day 2moro tmrw tmrw okie okey oki
""".split())

# Profanity and insults: rude in any support answer.
RUDE = frozenset("""
damn damned dammit goddamn goddamned fuck fucking fucked fucker fuckin motherfucker shit shitty bullshit
crap crappy bloody hell ass arse asshole bastard bitch piss pissed wtf stfu stupid idiot idiots idiotic
dumb moron moronic useless pathetic incompetent loser jerk sucks screwed freaking frickin friggin
""".split())

NEGATIVE = frozenset("""
terrible awful horrible horrendous hate hated hates annoying annoyed angry furious worst bad
disappointed disappointing disgusting frustrating frustrated unacceptable ridiculous absurd nonsense
lousy rubbish garbage mess outrageous ugh meh
""".split())

POLITE = frozenset("""
please kindly thank thanks thankful appreciate appreciated grateful glad gladly pleasure sorry apologize
apologise apologies apology welcome certainly assist
""".split())

WE = frozenset("we us our ours ourselves we're we've we'll we'd".split())
I_WORDS = frozenset("i me my mine myself i'm i've i'll i'd".split())

# Contractions with an apostrophe; "'s" only after pronouns (otherwise it is a possessive).
CONTRACTION_SUFFIXES = ("n't", "'re", "'ve", "'ll", "'d", "'m")
S_CONTRACTIONS = frozenset(
    "it's that's what's there's here's he's she's let's who's where's how's when's why's".split())

# Multi-word markers, matched on lower-cased text.
POLITE_PHRASES = (
    r"would you", r"could you", r"happy to (?:help|assist)", r"feel free", r"(?:don't|do not) hesitate",
    r"if you (?:don't|do not) mind", r"may i", r"let (?:me|us) know", r"my pleasure", r"i (?:completely |fully |totally |truly )?understand",
)
RUDE_PHRASES = (
    r"shut up", r"deal with it", r"not my problem", r"your (?:own )?fault", r"as i (?:already )?said",
    r"read the (?:manual|faq|instructions)", r"figure it out", r"stop (?:asking|bothering)",
    r"what do you want", r"i don't care", r"whatever\W*$", r"go away",
)

GREETING_RE = re.compile(
    r"^\W*(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening|day)|welcome"
    r"|thanks? (?:you )?(?:so much |very much )?for (?:reaching out|contacting|getting in touch|your"
    r" (?:message|patience|question|email|inquiry|enquiry)|writing))\b")
SIGNOFF_RE = re.compile(
    # a closing formula, optionally followed by a name ("Kind regards, the Acme team.")
    r"\b(?:(?:best|kind|warm|warmest)? ?regards|sincerely|cheers|best wishes|take care)\b[^\n]{0,50}"
    r"(?:\n[^\n]{0,50})?$"
    r"|\b(?:have an? (?:great|nice|good|wonderful|lovely) (?:day|week|weekend|evening|one)"
    r"|thanks?(?: you)?(?: again)?(?: for [^.!?]{0,60})?"
    r"|let (?:me|us) know if[^.!?]{0,120}|(?:don't|do not) hesitate[^.!?]{0,120}|feel free[^.!?]{0,120}"
    r"|happy to help[^.!?]{0,40}|here to help[^.!?]{0,40})\W*$")

SLANG_BIT, RUDE_BIT, NEG_BIT, POLITE_BIT, WE_BIT, I_BIT = 1, 2, 4, 8, 16, 32


def _word_classes() -> dict[str, int]:
    classes: dict[str, int] = {}
    for words, bit in ((SLANG, SLANG_BIT), (RUDE, RUDE_BIT), (NEGATIVE, NEG_BIT), (POLITE, POLITE_BIT),
                       (WE, WE_BIT), (I_WORDS, I_BIT)):
        for w in words:
            classes[w] = classes.get(w, 0) | bit
    return classes


WORD_CLASS: dict[str, int] = _word_classes()
POLITE_PHRASE_RE = re.compile(r"\b(?:" + "|".join(POLITE_PHRASES) + r")\b")
RUDE_PHRASE_RE = re.compile(r"\b(?:" + "|".join(RUDE_PHRASES) + r")")
