"""Realistic synthetic ENS bodies (contract section 2.1) for demos, benchmarks and risk-engine tests.

Why synthetic and not random: the risk engine, the data-quality checks and the dashboards
only show something meaningful on traffic that looks like the real thing (e-commerce parcels
dominating counts, sea ENS with many items, AEOs among the parties, master AWBs shared by
house filings, a few vague descriptions) with a handful of risky shipments hidden in it.

Everything is drawn from one ``random.Random(seed)``: the same arguments give the same
stream. Tables are built once per call, so a million bodies take well under a minute.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "reference" / "data"


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    """Tables below are written as compact strings; this splits them."""
    return tuple(text.split(sep))


OfficeRow = tuple[str, str, str, str]  # (office code, member state, UN/LOCODE, border type)
PartyRow = tuple[str, str | None, str, str, str, str]  # (name, eori, street, city, postcode, country)

# Participating Member States and partners (member_states.csv minus the former participant GB).
PARTICIPANTS = _words("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE CH NO")

# ---------------------------------------------------------------------------------------------
# Transport modes
# ---------------------------------------------------------------------------------------------

MODE_WEIGHTS = {"express": 40, "postal": 28, "air": 15, "sea": 9, "road": 5, "rail": 2, "inland_water": 1}
MODE_BORDERS = {
    "air": ("air",),
    "express": ("air",),
    "postal": ("postal", "air"),
    "sea": ("sea",),
    "road": ("road",),
    "rail": ("rail",),
    "inland_water": ("inland_water",),
}
PRE_LOADING_MODES = ("air", "express", "postal")
PRE_LOADING_SHARE = 0.45
FILING_TYPES = {
    ("air", "pre_loading"): ("F23", "F26", "F26"),
    ("air", "pre_arrival"): ("F20", "F21", "F24", "F24"),
    ("express", "pre_loading"): ("F30", "F32"),
    ("express", "pre_arrival"): ("F31", "F33"),
    ("postal", "pre_loading"): ("F40", "F41"),
    ("postal", "pre_arrival"): ("F42",),
    ("sea", "pre_arrival"): ("F10", "F10", "F11", "F11", "F12", "F13", "F14", "F15"),
    ("inland_water", "pre_arrival"): ("F10", "F11", "F14"),
    ("road", "pre_arrival"): ("F50",),
    ("rail", "pre_arrival"): ("F51",),
}
CHANNEL = {
    "express": "parcel",
    "postal": "parcel",
    "air": "air",
    "sea": "freight",
    "road": "freight",
    "rail": "freight",
    "inland_water": "freight",
}
ITEMS_PER_ENS = {
    "express": (1, 3),
    "postal": (1, 3),
    "air": (1, 10),
    "sea": (1, 40),
    "road": (1, 20),
    "rail": (1, 20),
    "inland_water": (1, 20),
}
MASS_KG = {
    "express": (0.1, 30.0),
    "postal": (0.1, 30.0),
    "air": (5.0, 2000.0),
    "sea": (500.0, 25000.0),
    "road": (100.0, 20000.0),
    "rail": (500.0, 22000.0),
    "inland_water": (1000.0, 25000.0),
}
# Share of declarations per mode that are house filings consolidated under a shared master.
CONSOLIDATED = {"air": 0.55, "express": 0.85, "postal": 0.9, "sea": 0.35}
OFFICE_WEIGHT = {  # bigger hubs see more traffic
    "NLRTM": 6, "BEANR": 4, "DEHAM": 4, "ESALG": 2, "ESVLC": 2, "GRPIR": 2, "ITGIT": 2,
    "DELEJ": 5, "BELGG": 4, "NLAMS": 3, "DEFRA": 3, "FRCDG": 3, "FRPAR": 4, "ITMXP": 2, "ESMAD": 2,
}  # fmt: skip

# Weighted places of loading ("LOCODE:weight") per kind of transport.
PARCEL_LOADING = (
    "CNSZX:10 HKHKG:10 CNCAN:6 CNPVG:5 CNHGH:3 CNPEK:2 USJFK:3 USLAX:2 USORD:2 GBLHR:4 GBMAN:1 TRIST:3 "
    "KRICN:3 JPNRT:2 INDEL:1 INBOM:1 SGSIN:2 AEDXB:2 TWTPE:1 VNSGN:1 THBKK:1 ILTLV:1 CAYYZ:1 AUSYD:1"
)
AIR_CARGO_LOADING = (
    "CNPVG:8 HKHKG:8 CNPEK:3 CNCAN:3 CNSZX:3 SGSIN:3 AEDXB:4 TRIST:3 USJFK:4 USORD:3 USLAX:2 USMIA:2 "
    "INBOM:3 INDEL:2 KRICN:3 JPNRT:3 TWTPE:2 THBKK:2 VNSGN:2 QADOH:2 GBLHR:3 BRGRU:1 KENBO:1 ETADD:1 "
    "ZAJNB:1 CAYYZ:1 MXMEX:1 ILTLV:1 EGCAI:1 PKKHI:1 BDDAC:1"
)
SEA_LOADING = (
    "CNSHA:10 CNNGB:6 CNYTN:5 CNTAO:4 CNXMN:2 HKHKG:3 SGSIN:5 KRPUS:4 JPTYO:2 JPUKB:1 TWKHH:2 VNSGN:3 "
    "VNHPH:2 THLCH:2 MYPKG:3 IDJKT:1 INNSA:3 INMUN:1 LKCMB:1 PKKHI:1 BDCGP:1 AEJEA:3 TRMER:2 TRAMR:2 "
    "EGPSD:2 MAPTM:2 USNYC:3 USSAV:2 USHOU:2 BRSSZ:3 ARBUE:1 ECGYE:1 COCTG:1 ZADUR:1 NGLOS:1 UAODS:1 "
    "CAMTR:1 GBFXT:2 SAJED:1"
)
# Land routes per Member State of entry: "LOCODE:weight[:transit,countries]".
ROAD_ROUTES = {
    "PL": "BYMSQ:4 BYBQT:3 RUMOW:1:BY KZALA:1:RU,BY UAIEV:2",
    "LT": "BYMSQ:4 BYGRO:2 RUMOW:1:BY KZALA:1:RU,BY",
    "BG": "TRIST:6 TRBUR:2 TRIZM:1 GETBS:1:TR RSBEG:2 MKSKP:1",
    "FI": "RULED:3 RUMOW:2",
    "SK": "UAUZH:3 UAIEV:2 UALWO:1",
    "": "TRIST:3 RSBEG:3 BASJJ:1 ALTIA:1 MKSKP:1 UAIEV:2 BYMSQ:2",
}
RAIL_ROUTES = {
    "PL": "CNCKG:3:KZ,RU,BY CNCTU:2:KZ,RU,BY CNWUH:1:KZ,RU,BY KZALA:1:RU,BY BYMSQ:2",
    "HU": "UAUZH:2 UAIEV:2 UALWO:1 CNCKG:1:KZ,RU,UA",
    "": "BYMSQ:2 UAIEV:2 CNCKG:1:KZ,RU,BY",
}
INLAND_WATER_ROUTES = {"": "RSBEG:2 RSNSA:1 UAIZM:2 MDGIU:1"}
AIR_HUBS = ("AE", "AE", "QA", "TR", "TR")
SEA_HUBS = ("SG", "LK", "AE", "EG", "MA", "OM")
# Places of unloading in other participating countries, for onward carriage (~10% of ENS).
ONWARD_UNLOADING = {
    "air": "DEFRA DELEJ NLAMS BELGG BEBRU FRCDG ITMXP ESMAD ATVIE DKCPH LULUX CZPRG HUBUD PLWAW SESTO "
    "FIHEL IEDUB PTLIS GRATH ROBUH BGSOF CHZRH NOOSL",
    "sea": "NLRTM BEANR DEHAM DEBRV FRLEH FRMRS ESVLC ESALG ITGOA ITGIT GRPIR PTSIE PLGDN SIKOP HRRJK ROCND "
    "LTKLJ LVRIX EETLL IEDUB SEGOT MTMAR CYLMS DKAAR FIHEL NOOSL",
    "land": "DEDUI DEHAM DEBER NLVEN CZPRG ATVIE HUBUD SKBTS PLWAW PLLOD LTVNO ITMIL FRPAR CHBSL",
}
ONWARD_SHARE = 0.10

# ---------------------------------------------------------------------------------------------
# Commodities
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """A kind of goods: HS subheadings, ways to describe it, its price and where it comes from."""

    hs: tuple[str, ...]
    descriptions: tuple[str, ...]
    eur_per_kg: tuple[float, float]
    origins: tuple[str, ...]
    weights: tuple[float, float, float]  # how common in parcels, air cargo, freight (sea/road/rail/barge)
    dangerous_goods: tuple[str, ...] = ()
    min_kg: float = 0.0
    loose: bool = False  # shipped unpacked at sea (ro-ro, break bulk): no container


def _p(hs: str, descriptions: str, lo: float, hi: float, origins: str, weights: tuple[float, float, float], **kw):
    return Profile(tuple(hs.split()), tuple(descriptions.split("|")), (lo, hi), tuple(origins.split()), weights, **kw)


PROFILES: tuple[Profile, ...] = (
    _p("851713", "smartphone|mobile phone 128GB|Android smartphone with charger|refurbished smartphone|5G mobile phone",
       150, 1500, "CN HK VN KR IN", (6, 4, 1), dangerous_goods=("3481",), min_kg=0.3),
    _p("847130", "laptop computer|notebook computer 15 inch|tablet computer|portable computer with charger",
       100, 700, "CN TW VN", (3, 4, 1), dangerous_goods=("3481",), min_kg=1.2),
    _p("847330", "graphics card|SSD drive 1TB|computer memory modules DDR5|computer motherboard",
       60, 600, "CN TW KR MY", (4, 3, 1)),
    _p("851762", "bluetooth earbuds|wifi router|smart watch|network switch 24 port", 60, 500, "CN VN TW", (6, 3, 1)),
    _p("852872", "LED television 55 inch|smart TV 43 inch|OLED television", 8, 40, "CN KR TR MY", (0.3, 1, 3),
       min_kg=6),
    _p("850440", "USB charger|laptop power adapter|LED driver power supply", 10, 60, "CN VN", (4, 2, 2)),
    _p("850760", "lithium-ion battery pack|power bank 20000mAh|lithium-ion cells for e-bikes", 10, 60, "CN KR",
       (3, 2, 2), dangerous_goods=("3480", "3481")),
    _p("854231", "integrated circuits|microcontrollers|memory chips", 300, 5000, "TW KR CN MY US", (1, 5, 0.5)),
    _p("853400", "printed circuit boards|bare PCB panels", 30, 300, "CN TW", (1, 3, 1)),
    _p("610910", "cotton T-shirts|men's cotton t-shirt|printed cotton tee shirts", 6, 40, "CN BD IN TR VN PK",
       (5, 2, 3)),
    _p("611020", "cotton hoodie|knitted cotton sweater|cotton sweatshirt", 8, 50, "CN BD TR PK", (4, 2, 3)),
    _p("620342", "men's cotton jeans|men's denim trousers|cotton chino trousers", 6, 40, "CN BD PK TR", (3, 1, 3)),
    _p("620462", "women's cotton jeans|women's cotton trousers|ladies denim shorts", 6, 45, "CN BD TR IN",
       (4, 1, 3)),
    _p("640299", "sports shoes rubber sole|plastic sandals|slippers", 4, 35, "CN VN ID", (4, 1, 3)),
    _p("640411", "running shoes textile upper|sneakers|training shoes", 8, 60, "CN VN ID", (5, 2, 3)),
    _p("640391", "leather ankle boots|men's leather boots", 15, 90, "CN IN VN BR", (2, 1, 2)),
    _p("630260", "cotton towels|terry bath towels|cotton kitchen towels", 4, 15, "PK IN TR CN", (1, 0.5, 3)),
    _p("420221", "leather handbag|women's leather shoulder bag", 40, 400, "CN IN VN TR", (3, 1, 1), min_kg=0.4),
    _p("420292", "backpack|polyester travel bag|laptop backpack|duffel bag", 5, 40, "CN VN", (4, 1, 2)),
    _p("910211 910221", "quartz wrist watch|automatic wrist watch|men's wristwatch", 150, 3000, "CN HK JP CH",
       (4, 2, 0.2), min_kg=0.2),
    _p("711319", "gold jewellery|gold ring 18k|gold necklace", 5000, 45000, "IN AE TR HK", (1, 2, 0)),
    _p("330499", "face cream|skin care serum|sunscreen lotion|cosmetic face masks", 8, 150, "KR CN US JP",
       (5, 2, 1)),
    _p("330420", "mascara|eyeshadow palette|eyeliner pencils", 20, 200, "CN KR", (4, 1, 1)),
    _p("330300", "perfume|eau de parfum 100ml", 40, 300, "AE US CN", (3, 1, 0.5), dangerous_goods=("1266",)),
    _p("392410", "plastic kitchenware|plastic food containers|plastic cups and plates", 2, 10, "CN TR VN",
       (2, 1, 3)),
    _p("392690", "phone cases|plastic storage boxes|plastic hooks and clips|silicone phone case", 2, 30, "CN VN",
       (5, 2, 2)),
    _p("732393", "stainless steel cookware|stainless steel pots set|stainless steel water bottle", 3, 15,
       "CN IN TR", (2, 1, 3)),
    _p("841510", "split air conditioner|window air conditioner", 4, 15, "CN TR TH", (0.2, 0.5, 3), min_kg=25),
    _p("841810", "fridge-freezer|combined refrigerator freezer", 3, 10, "CN TR KR", (0, 0.2, 3), min_kg=50),
    _p("845011", "washing machine 8kg|fully automatic washing machine", 3, 8, "CN TR TH", (0, 0.2, 3), min_kg=60),
    _p("851660", "electric air fryer|rice cooker|electric oven", 5, 25, "CN TR", (3, 1, 3)),
    _p("870323", "used passenger car|passenger car 1.5 petrol|SUV petrol engine", 8, 35, "JP KR US CN TR",
       (0, 0, 2), min_kg=1100, loose=True),
    _p("870899 870830", "brake pads|car bumper|vehicle suspension parts|exhaust system parts", 3, 30,
       "CN TR IN JP KR RS", (2, 2, 3)),
    _p("871200", "bicycles|mountain bike|children's bicycle", 5, 40, "CN TW VN KH", (0.5, 0.5, 3), min_kg=8),
    _p("871160", "electric bicycle|e-bike with lithium battery|electric scooter", 20, 70, "CN TW", (0.5, 0.5, 3),
       dangerous_goods=("3171",), min_kg=12),
    _p("940360 940330", "wooden dining table|wooden wardrobe|wooden bed frame", 2, 10, "CN VN ID MY UA BY",
       (0.3, 0.3, 3), min_kg=10),
    _p("940171", "upholstered office chair|upholstered metal frame chairs", 3, 15, "CN VN TR", (0.5, 0.5, 3),
       min_kg=5),
    _p("950300", "plastic toy cars|plush toys|building blocks set|dolls with accessories|remote-controlled toy car",
       3, 30, "CN VN", (6, 2, 3)),
    _p("950450", "video game console|handheld game console|game controllers", 80, 500, "CN JP VN", (3, 2, 1)),
    _p("950691", "fitness equipment|yoga mats|dumbbells set|resistance bands", 2, 15, "CN TW IN", (2, 0.5, 3)),
    _p("090111", "green coffee beans|raw arabica coffee beans", 2, 8, "BR VN CO ET IN", (0, 0.2, 4)),
    _p("090210 090230", "green tea|black tea leaves|oolong tea", 4, 40, "CN IN LK JP KE", (1, 1, 2)),
    _p("080510", "fresh oranges|oranges in cartons", 0.5, 1.5, "MA EG ZA TR", (0, 0, 3)),
    _p("100630", "basmati rice|milled white rice|jasmine rice", 0.4, 1.5, "IN PK TH VN", (0, 0, 3)),
    _p("030617", "frozen shrimps|frozen vannamei prawns", 5, 15, "VN IN EC", (0, 0.5, 3)),
    _p("720839", "hot-rolled steel coils|hot rolled steel sheets in coils", 0.4, 0.9, "IN TR KR VN CN", (0, 0, 3),
       loose=True),
    _p("760110", "unwrought aluminium ingots|aluminium ingots", 2, 3, "AE IN SA", (0, 0, 2)),
    _p("730890", "steel structures|steel scaffolding parts", 1, 4, "CN TR UA", (0, 0, 2)),
    _p("300490", "medicaments in dosage form|pharmaceutical tablets|prescription medicines", 20, 500, "IN US CN",
       (2, 3, 1)),
    _p("382499", "chemical preparation for concrete|industrial cleaning chemicals", 1, 10, "CN US IN", (0.2, 1, 2)),
    _p("390110", "polyethylene granules|LDPE pellets", 1, 2, "SA US KR AE", (0, 0, 3)),
    _p("401110", "car tyres|passenger car tyres 205/55R16", 3, 8, "CN TH KR TR RS", (0, 0.3, 3)),
    _p("520812", "cotton fabric|woven cotton fabric", 3, 10, "CN PK IN TR", (0.3, 1, 2)),
    _p("690721", "ceramic floor tiles|porcelain tiles", 0.3, 1.2, "IN TR CN", (0, 0, 3)),
    _p("490199", "books|printed books|paperback novels", 5, 30, "US GB CN", (3, 1, 1)),
    _p("847989", "packaging machine|industrial mixer machine|automatic filling machine", 10, 60, "CN US JP KR",
       (0, 1, 2), min_kg=50),
    _p("843149", "excavator parts|parts for construction machinery", 3, 20, "CN JP US KR", (0.3, 1, 2)),
    _p("220421", "red wine in bottles|white wine 75cl bottles", 2, 20, "US CL AU ZA AR GE", (0.2, 0.3, 3)),
    _p("960810", "ballpoint pens|gel pens", 5, 20, "CN IN", (2, 1, 2)),
)  # fmt: skip

VAGUE_SHARE = 0.05
NO_HS_SHARE_PRE_LOADING = 0.10
DANGEROUS_GOODS_SHARE = 0.15  # of items whose profile has UN numbers
RATES = {  # units per EUR, as in reference/data/exchange_rates.csv
    "EUR": 1.0, "USD": 1.08, "CNY": 7.8, "GBP": 0.85, "JPY": 162.0, "CHF": 0.94,
    "TRY": 37.5, "INR": 90.5, "HKD": 8.44, "AED": 3.97, "KRW": 1480.0,
}  # fmt: skip
CURRENCIES = {
    "CN": ("USD", "USD", "EUR", "CNY"),
    "HK": ("USD", "HKD", "EUR"),
    "US": ("USD",),
    "GB": ("GBP", "GBP", "EUR"),
    "JP": ("JPY", "USD"),
    "KR": ("KRW", "USD"),
    "IN": ("INR", "USD", "USD"),
    "TR": ("TRY", "EUR", "USD"),
    "AE": ("AED", "USD"),
    "": ("USD", "USD", "EUR"),
}

# ---------------------------------------------------------------------------------------------
# Risky patterns: planted for the risk engine to find, flagged nowhere in the body.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskyPattern:
    name: str
    share: float  # of all declarations
    summary: str


RISKY_PATTERNS: list[RiskyPattern] = [
    RiskyPattern("firearm_parts_via_ae_tr", 0.004, "Firearm parts (9302/9303/9305) via AE or TR, by air/express/post"),
    RiskyPattern("undervalued_textiles_cn", 0.008, "Clothing/footwear (HS 61-64) from CN declared under 1 EUR/kg"),
    RiskyPattern("cultural_goods_conflict_zones", 0.003, "Antiquities (9705/9706) originating in SY, IQ, LY, YE"),
    RiskyPattern("drug_precursors_in_cn", 0.004, "Precursors (P2P, PMK, ephedrines, phenylacetic acid) from IN/CN"),
    RiskyPattern("explosives_air_pre_loading", 0.004, "Fireworks, detonators or ammonium nitrate in air pre-loading"),
    RiskyPattern("counterfeit_low_value", 0.008, "Watches, handbags, phones by express/post at a token value"),
]  # fmt: skip

FIREARM_GOODS = (
    ("930510", "pistol parts|slide and frame kit|revolver spare parts"),
    ("930520", "shotgun barrel|rifle bolt carrier|hunting rifle spare parts"),
    ("930591", "gun barrels|trigger assembly"),
    ("930200", "semi-automatic pistol|revolver"),
    ("930320", "sporting shotgun|hunting shotgun"),
    ("930330", "hunting rifle|sporting rifle"),
)
CULTURAL_GOODS = (
    ("970510", "archaeological pottery fragments|ancient clay tablets|old stone carving"),
    ("970531", "antique coins|collection of old coins"),
    ("970529", "fossil fragments|old bone artefacts"),
    ("970610", "antique manuscript|antique bronze statuette|carved wooden door panel"),
    ("970690", "antique oil lamp|old carpet more than 100 years"),
)
CULTURAL_LOADING = "SYDAM:2 IQBGW:1 IQEBL:1 LYTIP:2 YEADE:1 LBBEY:3 TRIST:2 AEDXB:2 JOAMM:1"
PRECURSORS = (
    ("291431", "1-phenyl-2-propanone (P2P)|phenylacetone|organic chemical intermediate"),
    ("293292", "3,4-MDP-2-P (PMK)|benzodioxolyl propanone"),
    ("293941", "ephedrine hydrochloride|ephedrine sulphate powder"),
    ("293942", "pseudoephedrine hydrochloride|pseudoephedrine HCl"),
    ("293944", "norephedrine|phenylpropanolamine"),
    ("291634", "phenylacetic acid|phenylacetic acid 99%"),
)
PRECURSOR_LOADING = "INBOM:3 INDEL:2 INNSA:1 CNPVG:3 CNSHA:2 CNCAN:2"
EXPLOSIVES = (
    ("360410", "consumer fireworks|fireworks assortment|display fireworks", "0336"),
    ("360360", "electric detonators|detonators for mining", "0030"),
    ("360340", "non-electric detonators|detonators", "0360"),
    ("310230", "ammonium nitrate fertiliser|ammonium nitrate prills", "1942"),
)
COUNTERFEIT_GOODS = (
    ("910211", "luxury watch|designer wrist watch|swiss style watch"),
    ("910221", "automatic luxury watch|chronograph watch"),
    ("420221", "designer handbag|luxury leather handbag|brand handbag"),
    ("420222", "designer tote bag|brand shoulder bag"),
    ("851713", "smartphone|latest model smartphone 256GB"),
)

# ---------------------------------------------------------------------------------------------
# People, companies and places
# ---------------------------------------------------------------------------------------------

# City and postcode pattern per country: '#' digit, '@' letter, '_' space.
CITIES = {
    "CN": "Shenzhen:518### Guangzhou:510### Yiwu:322### Ningbo:315### Shanghai:200### Dongguan:523### "
    "Hangzhou:310### Xiamen:361### Qingdao:266###",
    "HK": "Kowloon:999077 Kwun_Tong:999077 Tsuen_Wan:999077",
    "SG": "Singapore:######",
    "AE": "Dubai:00000 Sharjah:00000 Abu_Dhabi:00000",
    "TR": "Istanbul:34### Izmir:35### Bursa:16### Denizli:20### Gaziantep:27###",
    "US": "New_York:100## Los_Angeles:900## Miami:331## Chicago:606## Houston:770## Newark:071##",
    "IN": "Mumbai:4000## New_Delhi:1100## Tiruppur:6416## Ahmedabad:3800## Chennai:6000##",
    "VN": "Ho_Chi_Minh_City:700### Hanoi:100### Hai_Phong:180###",
    "KR": "Seoul:0#### Busan:4#### Incheon:2####",
    "JP": "Tokyo:1##-#### Osaka:5##-#### Yokohama:2##-####",
    "TW": "Taipei:1## Kaohsiung:8## Taichung:4##",
    "TH": "Bangkok:10### Chonburi:20###",
    "MY": "Kuala_Lumpur:5#### Port_Klang:42###",
    "ID": "Jakarta:1#### Surabaya:60###",
    "BD": "Dhaka:12## Chittagong:4###",
    "PK": "Karachi:74### Lahore:54### Faisalabad:38###",
    "LK": "Colombo:00###",
    "KH": "Phnom_Penh:12###",
    "GB": "London:E#_#@@ Manchester:M#_#@@ Birmingham:B#_#@@",
    "BR": "Sao_Paulo:0####-### Santos:110##-###",
    "AR": "Buenos_Aires:C####@@@",
    "CL": "Santiago:#######",
    "CO": "Bogota:11####",
    "EC": "Guayaquil:09####",
    "ET": "Addis_Ababa:1000",
    "KE": "Nairobi:00100",
    "EG": "Cairo:11### Port_Said:42### Alexandria:21###",
    "MA": "Casablanca:20### Tangier:90###",
    "ZA": "Durban:4### Johannesburg:2### Cape_Town:8###",
    "NG": "Lagos:100###",
    "UA": "Kyiv:0#### Odesa:65### Lviv:79###",
    "RS": "Belgrade:11### Novi_Sad:21###",
    "BY": "Minsk:220### Brest:224###",
    "KZ": "Almaty:050### Astana:010###",
    "RU": "Moscow:1##### Saint_Petersburg:19####",
    "MK": "Skopje:1000",
    "GE": "Tbilisi:0###",
    "MD": "Chisinau:MD-20##",
    "BA": "Sarajevo:71000",
    "AL": "Tirana:10##",
    "SY": "Damascus:00000 Aleppo:00000",
    "IQ": "Baghdad:10### Erbil:44### Basra:61###",
    "LY": "Tripoli:00000 Benghazi:00000",
    "YE": "Aden:00000 Sanaa:00000",
    "LB": "Beirut:####_####",
    "JO": "Amman:11###",
    "IL": "Tel_Aviv:6######",
    "CA": "Toronto:M#@_#@# Vancouver:V#@_#@# Montreal:H#@_#@#",
    "MX": "Mexico_City:0####",
    "SA": "Riyadh:1#### Jeddah:2####",
    "QA": "Doha:00000",
    "OM": "Muscat:1##",
    "AU": "Sydney:2### Melbourne:3###",
    "AT": "Wien:1### Graz:80## Linz:40##",
    "BE": "Antwerpen:2### Brussel:1### Liege:4### Gent:9###",
    "BG": "Sofia:1### Plovdiv:4### Varna:9###",
    "HR": "Zagreb:10### Rijeka:51### Split:21###",
    "CY": "Limassol:3### Nicosia:1###",
    "CZ": "Praha:1##_## Brno:6##_## Ostrava:7##_##",
    "DK": "Kobenhavn:1### Aarhus:8### Odense:5###",
    "EE": "Tallinn:1#### Tartu:5####",
    "FI": "Helsinki:00### Tampere:33### Turku:20###",
    "FR": "Paris:75### Lyon:69### Marseille:13### Lille:59### Toulouse:31### Bordeaux:33### Nantes:44###",
    "DE": "Berlin:1#### Hamburg:2#### Muenchen:8#### Frankfurt_am_Main:60### Koeln:50### Leipzig:04### Stuttgart:70###",
    "GR": "Athina:1##_## Peiraias:18### Thessaloniki:5##_##",
    "HU": "Budapest:1### Debrecen:4### Szeged:67##",
    "IE": "Dublin:D##_@### Cork:T##_@### Galway:H##_@###",
    "IT": "Milano:201## Roma:001## Napoli:801## Torino:101## Genova:161## Bologna:401##",
    "LV": "Riga:LV-10##",
    "LT": "Vilnius:LT-0#### Kaunas:LT-4#### Klaipeda:LT-9####",
    "LU": "Luxembourg:L-1### Esch-sur-Alzette:L-4###",
    "MT": "Valletta:VLT_#### Birkirkara:BKR_####",
    "NL": "Amsterdam:10##_@@ Rotterdam:30##_@@ Utrecht:35##_@@ Eindhoven:56##_@@ Venlo:59##_@@",
    "PL": "Warszawa:0#-### Krakow:3#-### Lodz:9#-### Gdansk:80-### Poznan:6#-###",
    "PT": "Lisboa:1###-### Porto:4###-###",
    "RO": "Bucuresti:0##### Cluj-Napoca:400### Constanta:900###",
    "SK": "Bratislava:8##_## Kosice:04#_##",
    "SI": "Ljubljana:1000 Maribor:2000 Koper:6000",
    "ES": "Madrid:280## Barcelona:080## Valencia:460## Sevilla:410## Zaragoza:500##",
    "SE": "Stockholm:1##_## Goteborg:4##_## Malmo:2##_##",
    "CH": "Zuerich:80## Basel:40## Geneve:12## Bern:30##",
    "NO": "Oslo:0### Bergen:5### Stavanger:40##",
}
STREETS = {
    "fr": ("{n} rue {s}", "de la Paix|Victor Hugo|du Commerce|de la Republique|Jean Jaures|des Lilas|Pasteur"),
    "de": ("{s} {n}", "Hauptstrasse|Bahnhofstrasse|Industriestrasse|Gartenweg|Schillerstrasse|Am Hafen|Lindenallee"),
    "nl": ("{s} {n}", "Kerkstraat|Havenweg|Stationsplein|Molenweg|Industrieweg|Dorpsstraat"),
    "it": ("Via {s} {n}", "Roma|Garibaldi|Milano|dei Mille|Mazzini|Verdi"),
    "es": ("Calle {s} {n}", "Mayor|Real|del Sol|de Alcala|Gran Via|de la Paz"),
    "pt": ("Rua {s} {n}", "Augusta|do Comercio|da Liberdade|Nova|do Porto"),
    "pl": ("ul. {s} {n}", "Dluga|Polna|Lesna|Sloneczna|Kosciuszki|Mickiewicza"),
    "nordic": ("{s} {n}", "Storgatan|Hamngatan|Kungsgatan|Nygade|Havnegade|Kirkeveien|Satamakatu"),
    "east": ("{s} {n}", "Strada Principala|Bulevard Vitosha|Fo utca|Odos Ermou|Hlavna|Brivibas iela|Gedimino pr."),
    "en": ("{n} {s}", "Main Street|High Street|Harbour Road|Station Road|Park Avenue|Church Street|Market Street"),
    "cn": ("No. {n} {s}", "Nanshan Rd|Huaqiang North Rd|Jiefang Rd|Zhongshan Rd|Renmin Rd|Binhai Ave|Keji Rd"),
    "tr": ("{s} No:{n}", "Ataturk Cad.|Cumhuriyet Cad.|Istiklal Cad.|Organize Sanayi Bolgesi"),
    "ar": ("{s}, Building {n}", "Sheikh Zayed Rd|Al Maktoum St|King Fahd Rd|Corniche St|Al Rashid St"),
    "ru": ("ul. {s} {n}", "Lenina|Pushkina|Sovetskaya|Gagarina|Mira"),
    "generic": ("{n} {s}", "Industrial Road|Commerce Street|Export Avenue|Central Avenue|Port Road"),
}
LANGUAGE = {
    **dict.fromkeys(_words("FR BE LU"), "fr"),
    **dict.fromkeys(_words("DE AT CH"), "de"),
    "NL": "nl",
    **dict.fromkeys(_words("IT MT"), "it"),
    "ES": "es",
    "PT": "pt",
    **dict.fromkeys(_words("PL CZ SK SI HR"), "pl"),
    **dict.fromkeys(_words("DK SE FI NO EE"), "nordic"),
    **dict.fromkeys(_words("RO BG GR HU LV LT CY"), "east"),
    **dict.fromkeys(_words("IE GB US CA AU SG IN ZA NG KE"), "en"),
    **dict.fromkeys(_words("CN HK TW"), "cn"),
    "TR": "tr",
    **dict.fromkeys(_words("AE SA QA OM EG MA SY IQ LY YE LB JO"), "ar"),
    **dict.fromkeys(_words("RU BY KZ UA"), "ru"),
}
PEOPLE = {
    "fr": (
        "Jean Marie Camille Lucas Chloe Hugo Lea Thomas Manon Nicolas",
        "Martin Bernard Dubois Laurent Lefebvre Moreau Girard Fontaine Lambert Peeters",
    ),
    "de": (
        "Lukas Anna Felix Lena Jonas Marie Paul Sophie Maximilian Laura",
        "Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hofer Huber",
    ),
    "nl": (
        "Daan Emma Sem Julia Lucas Tess Milan Sanne Bram Fleur",
        "Jansen Bakker Visser Smit Meijer Mulder Bos Vos Peters Hendriks",
    ),
    "it": (
        "Giulia Marco Francesca Luca Chiara Alessandro Sara Matteo Elena Davide",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Borg Camilleri",
    ),
    "es": (
        "Lucia Hugo Martina Pablo Sofia Alejandro Paula Daniel Carmen Javier",
        "Garcia Rodriguez Gonzalez Fernandez Lopez Martinez Sanchez Perez",
    ),
    "pt": ("Joao Maria Tiago Ana Rodrigo Beatriz Diogo Ines", "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues"),
    "pl": (
        "Jakub Zuzanna Jan Julia Tomas Petra Luka Ana Marek Eva",
        "Nowak Kowalski Wisniewski Novak Horvat Svoboda Kovac Dvorak",
    ),
    "nordic": (
        "Erik Anna Lars Ingrid Mikkel Sofie Oskar Elsa Mikko Aino",
        "Andersson Johansson Hansen Nielsen Larsen Virtanen Korhonen Berg Tamm",
    ),
    "east": (
        "Andrei Elena Georgi Maria Nikos Eleni Bence Zsofia Janis Ruta",
        "Popescu Ionescu Ivanov Georgiev Papadopoulos Nagy Kovacs Berzins Kazlauskas",
    ),
    "en": (
        "James Emma Oliver Amelia Jack Olivia Liam Grace Noah Chloe",
        "Smith Murphy Kelly Walsh Brown Wilson Taylor Byrne Ryan",
    ),
}
PEOPLE_BY_COUNTRY = {cc: lang for cc, lang in LANGUAGE.items() if lang in PEOPLE}
COMPANY_WORDS = _words(
    "Golden Bright Star Ever Grand United Pacific Orient Silver Blue Green Royal Prime Global Nova Eagle Dragon "
    "Phoenix Lotus Harmony Summit Atlas Crown Delta Apex Sun Ocean Horizon Vertex Falcon Jade Unity Sino Euro"
)
SECTORS = _words(
    "Trading|Electronics|Textile|Industrial|Import & Export|Technology|Manufacturing|Supply|Garments|Home Goods|"
    "Machinery|Chemicals|Commerce|Auto Parts|Foods|Crafts|Digital|Sports|Fashion|Distribution",
    "|",
)
LEGAL_FORM = {
    "DE": "GmbH", "AT": "GmbH", "CH": "AG", "FR": "SAS", "BE": "NV", "NL": "B.V.", "LU": "S.a r.l.", "IT": "S.r.l.",
    "ES": "S.L.", "PT": "Lda", "PL": "Sp. z o.o.", "CZ": "s.r.o.", "SK": "s.r.o.", "HU": "Kft.", "RO": "S.R.L.",
    "BG": "EOOD", "HR": "d.o.o.", "SI": "d.o.o.", "GR": "S.A.", "CY": "Ltd", "MT": "Ltd", "IE": "Ltd", "DK": "ApS",
    "SE": "AB", "FI": "Oy", "NO": "AS", "EE": "OU", "LV": "SIA", "LT": "UAB", "CN": "Co., Ltd", "HK": "Limited",
    "SG": "Pte. Ltd.", "US": "Inc.", "GB": "Ltd", "IN": "Pvt. Ltd.", "JP": "K.K.", "KR": "Co., Ltd.",
    "TW": "Co., Ltd.", "TR": "Ltd. Sti.", "AE": "LLC", "RU": "OOO", "BY": "OOO", "UA": "TOV", "KZ": "TOO",
    "BR": "Ltda.", "VN": "Co., Ltd",
}  # fmt: skip
# EORI / trader number shapes: '#' digit, '@' letter. Default: country code + 12 digits.
EORI_SHAPES = {
    "FR": "FR##############", "NL": "NL#########", "BE": "BE0#########", "IT": "IT###########",
    "ES": "ES@########", "IE": "IE#######@", "PL": "PL##########00000", "DE": "DE###############",
    "CH": "CHE#########", "NO": "NO#########", "US": "US#########000", "CN": "CN##########",
    "JP": "JP#############", "IN": "IN@@@@@####@", "GB": "GB############",
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Operators (EORIs, some AEO) shared by the generator and ensure_operator_pool
# ---------------------------------------------------------------------------------------------

IMPORTER_COUNTRIES = (
    "DE:14 FR:11 NL:10 IT:9 ES:8 BE:7 PL:7 AT:3 CZ:3 DK:2 SE:3 FI:2 IE:3 PT:2 GR:2 HU:2 RO:2 BG:1 HR:1 SI:1 SK:1 "
    "LT:2 LV:1 EE:1 LU:2 MT:1 CY:1"
)
EXPORTER_COUNTRIES = "CN:20 US:8 JP:5 KR:3 TR:4 IN:4 HK:3 VN:2 TW:2 GB:2"
NON_EU_IMPORTERS = "CH:6 NO:4"  # partners in ICS2 whose AEOs are recognised under an MRA
OPERATOR_ROLES = (  # role, how many, where registered, AEO share, name pattern
    ("forwarder", 40, "DE NL BE FR IT ES PL AT DK IE LU", 0.35, "{w} {x} Logistics {f}|{w} Freight Forwarding {f}"),
    ("express", 6, "BE DE NL IE LU FR", 1.0, "{w} Express {f}|{w} Courier Services {f}"),
    ("air_carrier", 20, "DE NL LU FR IE BE IT AT", 0.4, "{w} Air Cargo {f}|{w} Airlines {f}|{w} Cargo Airways {f}"),
    ("sea_carrier", 12, "DK DE FR NL BE IT GR CY MT", 0.5, "{w} Container Line {f}|{w} Shipping {f}"),
    ("road_carrier", 15, "PL LT BG FI SK HU RO DE", 0.2, "{w} Transport {f}|{w} Trucking {f}"),
    ("rail_carrier", 5, "PL DE HU AT LT", 0.2, "{w} Rail Cargo {f}"),
    ("barge_operator", 3, "NL DE CH", 0.0, "{w} Rhine Shipping {f}"),
)
AWB_PREFIXES = _words(
    "020 057 074 172 176 160 999 784 112 235 618 157 297 406 023 615 125 001 006 081 180 988 695 131 014 047 "
    "065 071 105 117 205 217 607 738"
)


def _weighted_spec(spec: str) -> list[tuple[str, float, tuple[str, ...]]]:
    """Parse "CODE:weight[:A,B]" words."""
    rows = []
    for word in spec.split():
        code, weight, *rest = word.split(":")
        rows.append((code, float(weight), tuple(rest[0].split(",")) if rest else ()))
    return rows


def _fill(shape: str, rng: random.Random) -> str:
    digits, letters = "0123456789", "ABCDEFGHJKLMNPRSTUVWXYZ"
    out = []
    for ch in shape:
        if ch == "#":
            out.append(digits[int(rng.random() * 10)])
        elif ch == "@":
            out.append(letters[int(rng.random() * len(letters))])
        else:
            out.append(" " if ch == "_" else ch)
    return "".join(out)


def _eori(country: str, rng: random.Random) -> str:
    return _fill(EORI_SHAPES.get(country, country + "#" * 12), rng)


def _address(country: str, rng: random.Random) -> tuple[str, str, str]:
    street_format, names = STREETS[LANGUAGE.get(country, "generic")]
    street = street_format.format(n=rng.randint(1, 240), s=rng.choice(names.split("|")))
    spec = rng.choice(CITIES.get(country, f"{country}_City:#####").split())
    city, shape = spec.split(":")
    return street, city.replace("_", " "), _fill(shape, rng)


def _company_name(country: str, rng: random.Random, city: str = "") -> str:
    sector = rng.choice(SECTORS)
    form = LEGAL_FORM.get(country, "Ltd")
    if country == "CN":
        return f"{city or 'Shenzhen'} {rng.choice(COMPANY_WORDS)} {sector} {form}"
    if country in PEOPLE_BY_COUNTRY and rng.random() < 0.4:
        surname = rng.choice(PEOPLE[PEOPLE_BY_COUNTRY[country]][1].split())
        return f"{surname} {sector} {form}"
    return f"{rng.choice(COMPANY_WORDS)} {sector} {form}"


def _company(country: str, rng: random.Random, with_eori: bool) -> PartyRow:
    street, city, postcode = _address(country, rng)
    return (
        _company_name(country, rng, city),
        _eori(country, rng) if with_eori else None,
        street,
        city,
        postcode,
        country,
    )


def _spread(spec: str) -> list[str]:
    return [code for code, weight, _ in _weighted_spec(spec) for _ in range(int(weight))]


@cache
def _operator_pool(seed: int) -> tuple[dict[str, Any], ...]:
    from crms.operators.models import MRA_PROGRAMMES

    rng = random.Random(f"crms-operators:{seed}")  # noqa: S311 - reproducible test data
    this_year = dt.date.today().year  # authorisations stay valid for a few years from now
    seen: set[str] = set()
    pool: list[dict[str, Any]] = []

    def add(role: str, country: str, name: str | None, aeo_share: float, code: str | None = None) -> None:
        eori = _eori(country, rng)
        while eori in seen:
            eori = _eori(country, rng)
        seen.add(eori)
        street, city, postcode = _address(country, rng)
        name = name or _company_name(country, rng, city)
        operator = {"eori": eori, "name": name, "street": street, "city": city, "postcode": postcode,
                    "country": country, "role": role, "code": code, "aeo": None}  # fmt: skip
        mra = country in MRA_PROGRAMMES
        eu = country in PARTICIPANTS and not mra
        if rng.random() < aeo_share and (eu or mra):
            kind = rng.choice(("AEOF", "AEOF", "AEOS", "AEOC", "AEOC") if eu else ("AEOS", "AEOS", "AEOF"))
            roll = rng.random()
            number = ""
            while not number or number in seen:
                number = (
                    f"{country}{kind}{rng.randint(10**6, 10**7 - 1)}" if eu else f"{country}-MRA-{_fill('#' * 9, rng)}"
                )
            seen.add(number)
            operator["aeo"] = {
                "number": number,
                "type": kind,
                "issuing_country": country,
                "programme": "EU AEO" if eu else MRA_PROGRAMMES[country],
                "valid_from": dt.date(rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28)),
                "valid_to": None
                if rng.random() < 0.75
                else dt.date(this_year + rng.randint(2, 6), rng.randint(1, 12), 1),
                "status": "revoked" if roll < 0.04 else "suspended" if roll < 0.10 else "active",
            }
        pool.append(operator)

    for country in _spread(IMPORTER_COUNTRIES):
        add("importer", country, None, 0.12)
    for country in _spread(NON_EU_IMPORTERS):
        add("importer", country, None, 0.3)
    for country in _spread(EXPORTER_COUNTRIES):
        add("exporter", country, None, 0.3)
    prefixes = iter(rng.sample(AWB_PREFIXES, len(AWB_PREFIXES)))
    for role, count, countries, aeo_share, patterns in OPERATOR_ROLES:
        for _ in range(count):
            country = rng.choice(countries.split())
            name = rng.choice(patterns.split("|")).format(
                w=rng.choice(COMPANY_WORDS), x=rng.choice(("Euro", "Trans", "Inter", "Cargo")), f=LEGAL_FORM[country]
            )
            if role in ("air_carrier", "express"):
                code = next(prefixes)
            elif role == "sea_carrier":
                code = _fill("@@@U", rng)
            else:
                code = _fill("@@@", rng)
            add(role, country, name, aeo_share, code)
    names = dict(_member_state_names())
    for country in PARTICIPANTS:
        add("postal", country, f"{names.get(country, country)} Postal Services", 0.15, _fill("@@", rng))
    return tuple(pool)


def operator_pool(seed: int = 0) -> list[dict[str, Any]]:
    """About 300 operators (EU and third-country) with EORIs; about a fifth hold an AEO authorisation.

    Each dict: eori, name, street, city, postcode, country, role, code (carrier/forwarder code or
    None) and aeo (None or number, type, issuing_country, programme, valid_from, valid_to, status).
    """
    return [{**op, "aeo": dict(op["aeo"]) if op["aeo"] else None} for op in _operator_pool(seed)]


def ensure_operator_pool(seed: int = 0) -> int:
    """Upsert the pool into Operator / AeoAuthorisation so ``any_party.aeo`` finds the generated AEOs."""
    from django.db import transaction

    from crms.operators.models import AeoAuthorisation, Operator

    pool = _operator_pool(seed)
    with transaction.atomic():
        Operator.objects.bulk_create(
            [
                Operator(
                    eori=op["eori"],
                    name=op["name"],
                    street=op["street"],
                    city=op["city"],
                    postcode=op["postcode"],
                    country_id=op["country"],
                )
                for op in pool
            ],
            update_conflicts=True,
            unique_fields=["eori"],
            update_fields=["name", "street", "city", "postcode", "country"],
        )
        ids = dict(Operator.objects.filter(eori__in=[op["eori"] for op in pool]).values_list("eori", "id"))
        AeoAuthorisation.objects.bulk_create(
            [
                AeoAuthorisation(
                    operator_id=ids[op["eori"]],
                    number=aeo["number"],
                    type=aeo["type"],
                    issuing_country_id=aeo["issuing_country"],
                    programme=aeo["programme"],
                    valid_from=aeo["valid_from"],
                    valid_to=aeo["valid_to"],
                    status=aeo["status"],
                )
                for op in pool
                if (aeo := op["aeo"])
            ],
            update_conflicts=True,
            unique_fields=["number"],
            update_fields=["operator", "type", "issuing_country", "programme", "valid_from", "valid_to", "status"],
        )
    return len(pool)


# ---------------------------------------------------------------------------------------------
# Reference files, read once
# ---------------------------------------------------------------------------------------------


def _csv_rows(filename: str) -> list[dict[str, str]]:
    with open(DATA_DIR / filename, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def hs_subheadings() -> frozenset[str]:
    """Level-6 codes of the shipped HS nomenclature."""
    return frozenset(row["hscode"] for row in _csv_rows("hs-nomenclature.csv") if row["level"] == "6")


@cache
def vague_terms() -> tuple[str, ...]:
    return tuple(row["term"] for row in _csv_rows("vague_goods_descriptions.csv") if len(row["term"]) >= 3)


@cache
def _member_state_names() -> tuple[tuple[str, str], ...]:
    return tuple((row["code"], row["name"]) for row in _csv_rows("member_states.csv"))


def offices_from_db(member_state: str | None = None) -> list[OfficeRow]:
    """Offices of entry from the reference tables, optionally of one Member State."""
    from crms.reference.models import CustomsOffice

    query = CustomsOffice.objects.filter(roles__contains="entry").order_by("code")
    if member_state:
        query = query.filter(member_state_id=member_state)
    return list(query.values_list("code", "member_state_id", "unlocode", "border_type"))


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


class _Weighted:
    """Weighted choice with a precomputed cumulative table (much faster than random.choices)."""

    __slots__ = ("cum", "items", "last", "total")

    def __init__(self, pairs: Sequence[tuple[Any, float]]):
        pairs = [(item, weight) for item, weight in pairs if weight > 0]
        if not pairs:
            raise ValueError("nothing to choose from")
        self.items = [item for item, _ in pairs]
        self.cum, total = [], 0.0
        for _, weight in pairs:
            total += weight
            self.cum.append(total)
        self.total, self.last = total, len(self.items) - 1

    def pick(self, u: float) -> Any:
        return self.items[min(bisect.bisect_right(self.cum, u * self.total), self.last)]


def _party(row: PartyRow) -> dict[str, Any]:
    """A fresh party object per body, so callers may change one body without touching others."""
    address = {"street": row[2], "city": row[3], "postcode": row[4], "country": row[5]}
    return {"name": row[0], "eori": row[1], "address": address}


def _round_mass(mass: float) -> float:
    if mass < 10:
        return round(mass, 2)
    if mass < 1000:
        return round(mass, 1)
    return float(round(mass))


def _awb(prefix: str, serial: int) -> str:
    return f"{prefix}-{serial:07d}{serial % 7}"


# ISO 6346 letter values: A=10, then skipping multiples of 11.
_ISO6346 = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [10, *range(12, 22), *range(23, 33), *range(34, 39)], strict=True))


def _container_id(owner: str, serial: int) -> str:
    """ISO 6346: owner code + U + 6-digit serial + check digit."""
    code = f"{owner[:3]}U{serial:06d}"
    total = sum((_ISO6346[ch] if ch.isalpha() else int(ch)) << i for i, ch in enumerate(code))
    return f"{code}{total % 11 % 10}"


def _s10(serial: int, country: str) -> str:
    """UPU S10 postal item identifier, e.g. LX123456785CN."""
    digits = f"{serial:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"L{chr(65 + serial % 26)}{digits}{check}{country}"


class _Shipment:
    """What declarations filed under one master document have in common (same flight/vessel/truck)."""

    __slots__ = (
        "arrival",
        "carrier",
        "filer",
        "house_prefix",
        "loading",
        "master",
        "office",
        "remaining",
        "routing",
        "unloading",
    )


class _Generator:
    def __init__(self, seed: int, offices: list[OfficeRow], start: dt.datetime, spread_days: float, lrn_prefix: str):
        if not offices:
            raise ValueError("no customs offices to generate for")
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data
        self.rnd = self.rng.random
        self.start, self.spread_minutes = start, spread_days * 1440
        self.lrn_stem = f"{lrn_prefix}-{seed}-"
        if len(self.lrn_stem) + 9 > 35:
            raise ValueError("lrn_prefix too long: the LRN must fit in 35 characters")
        self._offices(offices)
        self._goods()
        self._parties(seed, {office[1] for office in offices})
        self.open: dict[str, list[_Shipment]] = {mode: [] for mode in MODE_WEIGHTS}
        self.patterns = [(p, getattr(self, f"_risky_{p.name}")) for p in RISKY_PATTERNS]
        self.risky_total = sum(p.share for p in RISKY_PATTERNS)

    # -- set-up -------------------------------------------------------------------------------

    def _offices(self, offices: list[OfficeRow]) -> None:
        by_mode: dict[str, _Weighted] = {}
        for mode, borders in MODE_BORDERS.items():
            pairs = [
                (office, OFFICE_WEIGHT.get(office[2], 1) * (5 if mode == "postal" and office[3] == "postal" else 1))
                for office in offices
                if office[3] in borders
            ]
            if pairs:
                by_mode[mode] = _Weighted(pairs)
        if not by_mode:
            raise ValueError("none of the offices fits a transport mode")
        self.office_by_mode = by_mode
        self.modes = _Weighted([(mode, MODE_WEIGHTS[mode]) for mode in by_mode])
        self.onward = {kind: codes.split() for kind, codes in ONWARD_UNLOADING.items()}

        def routes(spec: str) -> _Weighted:
            return _Weighted([((code, transit), weight) for code, weight, transit in _weighted_spec(spec)])

        self.loading = {
            "parcel": routes(PARCEL_LOADING),
            "air": routes(AIR_CARGO_LOADING),
            "freight": routes(SEA_LOADING),
        }
        self.land = {
            "road": {ms: routes(spec) for ms, spec in ROAD_ROUTES.items()},
            "rail": {ms: routes(spec) for ms, spec in RAIL_ROUTES.items()},
            "inland_water": {ms: routes(spec) for ms, spec in INLAND_WATER_ROUTES.items()},
        }
        self.special_loading = {
            "cultural": routes(CULTURAL_LOADING),
            "precursor": routes(PRECURSOR_LOADING),
        }

    def _goods(self) -> None:
        known = hs_subheadings()
        for profile in PROFILES:
            missing = [code for code in profile.hs if code not in known]
            if missing:
                raise ValueError(f"profile HS codes not in the nomenclature: {missing}")
        self.vague = vague_terms()
        self.log_mass = {mode: (math.log(lo), math.log(hi / lo)) for mode, (lo, hi) in MASS_KG.items()}
        self._by_channel_country: dict[tuple[str, str], _Weighted] = {}
        self.textiles = [p for p in PROFILES if p.hs[0][:2] in ("61", "62", "63", "64")]

    def _profiles_for(self, channel: str, country: str) -> _Weighted:
        """Goods made where they are loaded are more likely; re-export hubs get the channel's mix."""
        key = (channel, country)
        table = self._by_channel_country.get(key)
        if table is None:
            index = ("parcel", "air", "freight").index(channel)
            table = _Weighted([(p, p.weights[index] * (4 if country in p.origins else 0.25)) for p in PROFILES])
            self._by_channel_country[key] = table
        return table

    def _parties(self, seed: int, member_states: set[str]) -> None:
        """Pre-built companies and people per country: drawing one is then a list lookup."""
        rng = random.Random(f"crms-parties:{seed}")  # noqa: S311 - reproducible test data
        countries = sorted(set(CITIES) | member_states)
        self.companies: dict[str, list[PartyRow]] = {}
        for cc in countries:
            eu = cc in PARTICIPANTS or cc in member_states
            self.companies[cc] = [_company(cc, rng, with_eori=eu) for _ in range(40)]
        self.people: dict[str, list[PartyRow]] = {}
        for cc in sorted(set(PARTICIPANTS) | member_states):
            firsts, lasts = (part.split() for part in PEOPLE[PEOPLE_BY_COUNTRY.get(cc, "en")])
            self.people[cc] = [
                (f"{rng.choice(firsts)} {rng.choice(lasts)}", None, *_address(cc, rng), cc) for _ in range(300)
            ]
        pool = _operator_pool(seed)
        self.pool: dict[str, dict[str, list[tuple[PartyRow, str | None]]]] = {}
        for op in pool:
            row = (op["name"], op["eori"], op["street"], op["city"], op["postcode"], op["country"])
            self.pool.setdefault(op["role"], {}).setdefault(op["country"], []).append((row, op["code"]))
        self.pool_all = {
            role: [entry for rows in by_cc.values() for entry in rows] for role, by_cc in self.pool.items()
        }

    # -- small draws ----------------------------------------------------------------------------

    def _one(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.rnd() * len(seq))]

    def _operator(self, role: str, country: str | None = None) -> tuple[PartyRow, str | None]:
        local = self.pool.get(role, {}).get(country) if country else None
        return self._one(local or self.pool_all[role])

    def _consignor(self, country: str) -> PartyRow:
        exporters = self.pool.get("exporter", {}).get(country)
        if exporters and self.rnd() < 0.35:
            return self._one(exporters)[0]
        return self._one(self.companies.get(country) or self.companies["CN"])

    def _consignee(self, country: str, parcel: bool) -> PartyRow:
        if parcel and self.rnd() < 0.75:
            return self._one(self.people[country])
        importers = self.pool.get("importer", {}).get(country)
        if importers and self.rnd() < 0.45:
            return self._one(importers)[0]
        return self._one(self.companies[country])

    def _arrival(self) -> str:
        minutes = (self.rnd() * 2 - 1) * self.spread_minutes
        return (self.start + dt.timedelta(minutes=5 * int(minutes / 5))).isoformat()

    # -- shipments ------------------------------------------------------------------------------

    def _shipment(
        self, mode: str, loading: tuple[str, tuple[str, ...]] | None = None, hub: str | None = None, standalone=False
    ) -> _Shipment:
        """Join an open consolidation (same master document) or start a new shipment."""
        rnd = self.rnd
        open_ones = self.open[mode]
        if not standalone and loading is None and open_ones and rnd() < CONSOLIDATED.get(mode, 0):
            ship = self._one(open_ones)
            ship.remaining -= 1
            if ship.remaining <= 0:
                open_ones.remove(ship)
            return ship
        ship = _Shipment()
        office = self.office_by_mode[mode].pick(rnd())
        ship.office = office
        ms = office[1]
        if loading is None:
            if mode in self.land:
                routes = self.land[mode]
                loading = (routes.get(ms) or routes[""]).pick(rnd())
            else:
                loading = self.loading[CHANNEL[mode]].pick(rnd())
        locode, transit = loading
        origin = locode[:2]
        if hub is None and not transit:
            if mode in ("air", "express", "postal") and rnd() < 0.25:
                hub = self._one(AIR_HUBS)
            elif mode == "sea" and rnd() < 0.35:
                hub = self._one(SEA_HUBS)
        ship.loading = locode
        ship.routing = [origin, *transit, *((hub,) if hub and hub != origin else ()), ms]
        ship.unloading = office[2]
        if rnd() < ONWARD_SHARE:
            kind = "air" if mode in ("air", "express", "postal") else "sea" if mode == "sea" else "land"
            ship.unloading = self._one([c for c in self.onward[kind] if c[:2] != ms] or [office[2]])
        ship.arrival = self._arrival()
        self._documents(ship, mode, origin)
        consolidated = not standalone and rnd() < CONSOLIDATED.get(mode, 0)
        if consolidated:
            ship.remaining = 1 + int(rnd() * (25 if mode in ("express", "postal") else 8))
            open_ones.append(ship)
            if len(open_ones) > 8:
                open_ones.pop(0)
        elif mode in ("air", "sea"):
            ship.house_prefix = None  # a direct (straight) consignment: master document only
        return ship

    def _documents(self, ship: _Shipment, mode: str, origin: str) -> None:
        rnd = self.rnd
        serial = int(rnd() * 9_999_999)
        ship.carrier, ship.filer, ship.house_prefix = None, None, None
        if mode == "air":
            carrier, prefix = self._operator("air_carrier")
            ship.carrier, ship.master = carrier, _awb(prefix, serial)
            forwarder, code = self._operator("forwarder")
            ship.filer, ship.house_prefix = (forwarder, f"{code}H") if rnd() < 0.7 else (carrier, f"HAWB{origin}")
        elif mode == "express":
            operator, prefix = self._operator("express")
            ship.carrier = ship.filer = operator
            ship.master, ship.house_prefix = _awb(prefix, serial), f"{prefix}1"
        elif mode == "postal":
            carrier, prefix = self._operator("air_carrier")
            ship.carrier = carrier if rnd() < 0.6 else None
            ship.filer = self._operator("postal", ship.office[1])[0]
            ship.master, ship.house_prefix = _awb(prefix, serial), "S10"
        elif mode == "sea":
            carrier, code = self._operator("sea_carrier")
            ship.carrier, ship.master = carrier, f"{code}{serial:09d}"
            forwarder, fcode = self._operator("forwarder")
            ship.filer, ship.house_prefix = (forwarder, f"{fcode}HB") if rnd() < 0.5 else (carrier, f"{code}H")
        else:
            role = {"road": "road_carrier", "rail": "rail_carrier", "inland_water": "barge_operator"}[mode]
            carrier, _ = self._operator(role)
            ship.carrier = ship.filer = carrier
            ship.master = {"road": "CMR", "rail": "CIM", "inland_water": "BL"}[mode] + f"{serial:08d}"

    def _house(self, ship: _Shipment) -> str | None:
        prefix = ship.house_prefix
        if prefix is None:
            return None
        if prefix == "S10":
            return _s10(int(self.rnd() * 99_999_999), ship.loading[:2])
        return f"{prefix}{int(self.rnd() * 9_999_999_999):010d}"

    # -- goods ------------------------------------------------------------------------------------

    def _containers(self, mode: str, ship: _Shipment, count: int) -> list[str] | None:
        if mode not in ("sea", "rail"):
            return None
        owner = (ship.master or "TGHU")[:3] if mode == "sea" else self._one(("TGH", "TCL", "SEG", "CAI", "FSC"))
        return [_container_id(owner, int(self.rnd() * 999_999)) for _ in range(1 + count // 6)]

    def _items(self, mode: str, phase: str, ship: _Shipment, count: int) -> list[dict[str, Any]]:
        """The goods: 1-3 kinds per ENS (one invoice, one currency), with per-item mass and value."""
        rnd = self.rnd
        channel = CHANNEL[mode]
        origin_country = ship.loading[:2]
        table = self._profiles_for(channel, origin_country)
        themes = [table.pick(rnd()) for _ in range(1 if count == 1 else 1 + int(rnd() * 3))]
        n_themes = len(themes)
        log_lo, log_span = self.log_mass[mode]
        parcel = channel == "parcel"
        per_package = 60 if channel == "air" else 800
        currencies = CURRENCIES.get(origin_country, CURRENCIES[""])
        currency = "EUR" if parcel and rnd() < 0.4 else currencies[int(rnd() * len(currencies))]
        rate = RATES[currency]
        containers = self._containers(mode, ship, count)
        vague, n_vague = self.vague, len(self.vague)
        no_hs_share = NO_HS_SHARE_PRE_LOADING if phase == "pre_loading" else 0.0
        items = []
        for number in range(1, count + 1):
            p = themes[int(rnd() * n_themes)] if n_themes > 1 else themes[0]
            hs = p.hs[int(rnd() * len(p.hs))]
            roll = rnd()
            if roll < 0.08:
                hs += "00"
            elif roll < 0.10:
                hs += "0000"
            elif roll < 0.10 + no_hs_share:
                hs = None
            if rnd() < VAGUE_SHARE:
                description = vague[int(rnd() * n_vague)]
            else:
                description = p.descriptions[int(rnd() * len(p.descriptions))]
            mass = math.exp(log_lo + log_span * rnd())
            if mass < p.min_kg:
                mass = p.min_kg * (1 + rnd())
            mass = _round_mass(mass)
            vlo, vhi = p.eur_per_kg
            eur = mass * vlo * (vhi / vlo) ** rnd()
            if parcel:
                packages = 1 if rnd() < 0.8 else 2 + int(rnd() * 2)
            else:
                packages = max(1, round(mass / (8 + rnd() * per_package)))
            roll = rnd()
            if roll < 0.03:
                country = None
            elif roll < 0.9 and origin_country in p.origins:
                country = origin_country
            else:
                country = p.origins[int(rnd() * len(p.origins))]
            dangerous = p.dangerous_goods
            items.append(
                {
                    "item_number": number,
                    "hs_code": hs,
                    "description": description,
                    "gross_mass_kg": mass,
                    "packages": packages,
                    "value": {"amount": round(eur * rate, 2), "currency": currency},
                    "country_of_origin": country,
                    "container": None if containers is None or p.loose else containers[number % len(containers)],
                    "dangerous_goods_code": dangerous[int(rnd() * len(dangerous))]
                    if dangerous and rnd() < DANGEROUS_GOODS_SHARE
                    else None,
                }
            )
        return items

    def _item_count(self, mode: str) -> int:
        lo, hi = ITEMS_PER_ENS[mode]
        return lo + int((hi - lo + 1) * self.rnd() ** 2.5)

    # -- assembling -------------------------------------------------------------------------------

    def _phase(self, mode: str) -> str:
        return "pre_loading" if mode in PRE_LOADING_MODES and self.rnd() < PRE_LOADING_SHARE else "pre_arrival"

    def _body(self, n: int, mode: str, phase: str, ship: _Shipment, items: list[dict[str, Any]]) -> dict[str, Any]:
        rnd = self.rnd
        parcel = CHANNEL[mode] == "parcel"
        unloading_country = ship.unloading[:2]
        destination = unloading_country if unloading_country != ship.office[1] or rnd() < 0.7 else None
        if destination is None:
            destination = self._one(PARTICIPANTS) if parcel else ship.office[1]
        consignor = self._consignor(ship.loading[:2])
        consignee = self._consignee(destination, parcel)
        buyer = seller = None
        roll = rnd()
        if roll < (0.05 if parcel else 0.25):
            seller, buyer = _party(consignor), _party(consignee)
        elif not parcel and roll < 0.32:
            seller = _party(self._one(self.companies[self._one(("HK", "AE", "SG"))]))
            buyer = _party(consignee)
        return {
            "lrn": f"{self.lrn_stem}{n:09d}",
            "filing_type": self._one(FILING_TYPES[mode, phase]),
            "phase": phase,
            "transport_mode": mode,
            "filer": _party(ship.filer) if ship.filer else None,
            "carrier": _party(ship.carrier) if ship.carrier else None,
            "transport_document": {"master": ship.master, "house": self._house(ship)},
            "office_of_first_entry": ship.office[0],
            "expected_arrival": ship.arrival,
            "place_of_loading": ship.loading,
            "place_of_unloading": ship.unloading,
            "countries_of_routing": list(ship.routing),
            "consignor": _party(consignor),
            "consignee": _party(consignee),
            "buyer": buyer,
            "seller": seller,
            "goods_items": items,
        }

    def declaration(self, n: int) -> dict[str, Any]:
        rnd = self.rnd
        if rnd() < self.risky_total:
            u = rnd() * self.risky_total
            for pattern, build in self.patterns:
                u -= pattern.share
                if u < 0:
                    body = build(n)
                    if body is not None:
                        return body
                    break
        mode = self.modes.pick(rnd())
        phase = self._phase(mode)
        ship = self._shipment(mode)
        return self._body(n, mode, phase, ship, self._items(mode, phase, ship, self._item_count(mode)))

    # -- risky patterns ---------------------------------------------------------------------------

    def _mode_among(self, modes: Sequence[str]) -> str | None:
        available = [m for m in modes if m in self.office_by_mode]
        return self._one(available) if available else None

    def _risky(
        self, n: int, mode: str, phase: str, ship: _Shipment, make: Callable[[dict[str, Any]], None], extra_items=0
    ) -> dict[str, Any]:
        """A normal declaration whose first item is replaced by the risky goods."""
        items = self._items(mode, phase, ship, 1 + extra_items)
        make(items[0])
        return self._body(n, mode, phase, ship, items)

    def _goods_item(self, item: dict[str, Any], hs: str, descriptions: str, eur: float, origin: str | None) -> None:
        """Turn ``item`` into the risky goods, valued in EUR so the value per kg is exact."""
        item["hs_code"] = hs
        item["description"] = self._one(descriptions.split("|"))
        item["country_of_origin"] = origin
        item["value"] = {"amount": round(eur, 2), "currency": "EUR"}

    def _risky_firearm_parts_via_ae_tr(self, n: int) -> dict[str, Any] | None:
        mode = self._mode_among(("air", "express", "postal"))
        if mode is None:
            return None
        rnd = self.rnd
        hub = self._one(("AE", "TR"))
        if rnd() < 0.5:
            loading = (self._one(("AEDXB", "TRIST")), ())
            hub = None
        else:
            loading = (self._one(("USJFK", "USMIA", "PKKHI", "CNPVG")), ())
        ship = self._shipment(mode, loading=loading, hub=hub, standalone=True)
        if not {"AE", "TR"} & set(ship.routing):
            ship.routing.insert(1, "AE")
        hs, descriptions = self._one(FIREARM_GOODS)

        def make(item: dict[str, Any]) -> None:
            item["gross_mass_kg"] = _round_mass(min(item["gross_mass_kg"], 0.5 + 150 * rnd()))
            self._goods_item(item, hs, descriptions, item["gross_mass_kg"] * (50 + 450 * rnd()), loading[0][:2])

        return self._risky(n, mode, self._phase(mode), ship, make, extra_items=int(rnd() * 2))

    def _risky_undervalued_textiles_cn(self, n: int) -> dict[str, Any] | None:
        mode = self._mode_among(("sea", "air", "express", "postal", "rail"))
        if mode is None:
            return None
        rnd = self.rnd
        loading = {"sea": ("CNSHA", ()), "rail": ("CNCKG", ("KZ", "RU", "BY"))}.get(mode, ("CNCAN", ()))
        ship = self._shipment(mode, loading=loading, standalone=True)
        phase = self._phase(mode)
        items = self._items(mode, phase, ship, self._item_count(mode))
        for item in items:
            p = self._one(self.textiles)
            vpk = 0.1 + 0.8 * rnd()
            self._goods_item(item, self._one(p.hs), "|".join(p.descriptions), item["gross_mass_kg"] * vpk, "CN")
            item["dangerous_goods_code"] = None
        return self._body(n, mode, phase, ship, items)

    def _risky_cultural_goods_conflict_zones(self, n: int) -> dict[str, Any] | None:
        mode = self._mode_among(("air", "express", "postal", "sea"))
        if mode is None:
            return None
        rnd = self.rnd
        locode, _ = self.special_loading["cultural"].pick(rnd())
        origin = locode[:2] if locode[:2] in ("SY", "IQ", "LY", "YE") else self._one(("SY", "IQ", "LY", "YE"))
        if mode == "sea":
            locode = self._one(("LBBEY", "TRMER", "EGPSD"))
        ship = self._shipment(mode, loading=(locode, ()), standalone=True)
        if origin not in ship.routing:
            ship.routing.insert(0, origin)
        hs, descriptions = self._one(CULTURAL_GOODS)

        def make(item: dict[str, Any]) -> None:
            item["gross_mass_kg"] = _round_mass(min(item["gross_mass_kg"], 1 + 49 * rnd()))
            self._goods_item(item, hs, descriptions, item["gross_mass_kg"] * (50 + 4950 * rnd()), origin)

        return self._risky(n, mode, self._phase(mode), ship, make)

    def _risky_drug_precursors_in_cn(self, n: int) -> dict[str, Any] | None:
        mode = self._mode_among(("air", "express", "sea", "postal"))
        if mode is None:
            return None
        rnd = self.rnd
        locode, _ = self.special_loading["precursor"].pick(rnd())
        if mode != "sea":
            locode = {"INNSA": "INBOM", "CNSHA": "CNPVG"}.get(locode, locode)
        ship = self._shipment(mode, loading=(locode, ()), standalone=True)
        hs, descriptions = self._one(PRECURSORS)

        def make(item: dict[str, Any]) -> None:
            self._goods_item(item, hs, descriptions, item["gross_mass_kg"] * (5 + 195 * rnd()), locode[:2])

        return self._risky(n, mode, self._phase(mode), ship, make, extra_items=int(rnd() * 2))

    def _risky_explosives_air_pre_loading(self, n: int) -> dict[str, Any] | None:
        if "air" not in self.office_by_mode:
            return None
        rnd = self.rnd
        ship = self._shipment("air", standalone=True)
        hs, descriptions, un_number = self._one(EXPLOSIVES)

        def make(item: dict[str, Any]) -> None:
            self._goods_item(item, hs, descriptions, item["gross_mass_kg"] * (2 + 20 * rnd()), ship.loading[:2])
            item["dangerous_goods_code"] = un_number if rnd() < 0.5 else None

        return self._risky(n, "air", "pre_loading", ship, make, extra_items=int(rnd() * 3))

    def _risky_counterfeit_low_value(self, n: int) -> dict[str, Any] | None:
        mode = self._mode_among(("express", "postal"))
        if mode is None:
            return None
        rnd = self.rnd
        loading = (self._one(("CNSZX", "CNCAN", "HKHKG", "CNPVG")), ())
        ship = self._shipment(mode, loading=loading, standalone=True)
        hs, descriptions = self._one(COUNTERFEIT_GOODS)

        def make(item: dict[str, Any]) -> None:
            self._goods_item(item, hs, descriptions, 1 + 11 * rnd(), loading[0][:2])
            item["gross_mass_kg"] = round(0.2 + 1.3 * rnd(), 2)

        return self._risky(n, mode, self._phase(mode), ship, make, extra_items=int(rnd() * 2))


def default_start() -> dt.datetime:
    """Now, rounded down to the hour, in UTC."""
    return dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def generate_declarations(
    count: int,
    *,
    seed: int = 0,
    offices: list[OfficeRow] | None = None,
    start: dt.datetime | None = None,
    spread_days: float = 2.0,
    lrn_prefix: str = "GEN",
) -> Iterator[dict[str, Any]]:
    """Yield ``count`` ENS bodies in the contract's JSON format, the same ones for the same arguments.

    ``offices`` are (code, member state, UN/LOCODE, border type) rows; by default all offices of
    entry in the reference tables. Expected arrivals fall within ``spread_days`` of ``start``.
    """
    if start is None:
        start = default_start()
    elif start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    generator = _Generator(seed, offices if offices is not None else offices_from_db(), start, spread_days, lrn_prefix)
    for n in range(1, count + 1):
        yield generator.declaration(n)
