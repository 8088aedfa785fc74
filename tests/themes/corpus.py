"""A small made-up corpus with three clear themes, for fast tests."""

import random

MAT = [
    "Maten på sykehjemmet er kald når den kommer",
    "Middagen smaker ingenting, mer krydder i maten",
    "Beboerne får middag altfor tidlig på dagen",
    "Frokosten og middagen bør lages på kjøkkenet på sykehjemmet",
    "Maten fra sentralkjøkkenet er kald og tørr",
    "Mer frukt og grønt til middag og kveldsmat",
    "Felles middag på seniorsenteret med god mat",
    "Eldre som bor hjemme trenger hjelp med maten og middagen",
    "Middag levert på døra er kald og smaker lite",
    "Måltidene er høydepunktet, gi oss bedre mat og middag",
    "Kveldsmaten kommer for tidlig, lang natt uten mat",
    "Mat og måltider må være hyggelige, spis middag sammen",
    "Kokken på sykehjemmet lager god mat av ferske råvarer",
    "Underernæring hos eldre: sjekk vekt og mat jevnlig",
    "Middagen bør serveres varm, ikke lunken",
]
BUSS = [
    "Bussen går for sjelden til sentrum om kvelden",
    "Flere busser og bedre rutetider for eldre",
    "TT-kortet gir for få turer i måneden, vi trenger flere turer",
    "Bussholdeplassen mangler benk og leskur",
    "Det er umulig å komme seg til legen uten bil, bussen går ikke",
    "Bussen har høye trinn, vanskelig med rullator",
    "Gratis buss for pensjonister ville hjulpet mange",
    "Bestillingstransport og buss til dagsenteret mangler",
    "Siste buss går klokka seks, det er for tidlig",
    "TT-kort og buss må henge sammen for rullestolbrukere",
    "Sjåføren på bussen hjelper ikke med rullator",
    "Busstilbudet på bygda er nesten borte",
    "Skyss og transport til aktiviteter er et problem, bussen passer ikke",
    "Flere turer med TT-kortet og bedre busstilbud",
    "Bussen kommer aldri i rute om vinteren",
]
HJEM = [
    "Hjemmetjenesten kommer til forskjellige tider hver dag",
    "Hjemmetjenesten har for liten tid hos hver bruker",
    "Det kommer nye folk fra hjemmetjenesten hele tiden",
    "Hjemmesykepleien må få mer tid til hver pasient",
    "Hjemmetjenesten bør ha faste team rundt hver bruker",
    "Mor får besøk av hjemmetjenesten tre ganger om dagen, men de har dårlig tid",
    "Hjemmetjenesten ringer ikke når de blir forsinket",
    "Trygt å bo hjemme lenger med god hjemmetjeneste",
    "Hjemmesykepleien kommer for sent med medisinene",
    "Hjemmetjenesten trenger flere ansatte på kveldstid",
    "Faste hjelpere fra hjemmetjenesten gir trygghet",
    "Hjemmetjenesten må lytte til brukerne og de pårørende",
    "Sykepleierne i hjemmetjenesten løper fra bruker til bruker",
    "Hjemmetjenestene må samarbeide bedre med fastlegen",
    "Hjemmetjenesten glemte å komme i helgen",
]


def make_corpus(seed=0):
    """Return ``(texts, labels)`` shuffled with ``seed``."""
    items = [(t, "mat") for t in MAT] + [(t, "buss") for t in BUSS] + [(t, "hjem") for t in HJEM]
    random.Random(seed).shuffle(items)
    texts, labels = zip(*items, strict=False)
    return list(texts), list(labels)
