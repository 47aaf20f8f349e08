"""The demo catalogue: capability areas and generic item types, and how Kiel items map onto them.

Item types carry only a generic category and a public name, nothing on performance and no NSN.
``lift_units_per_unit`` is an **estimate** of handling effort, where one lift unit is about one standard
pallet position (roughly 1 t or 1.5 m³). A 155 mm round is a twentieth of a pallet, and a main battle tank
takes the deck space of about forty. Planning works at this coarse level, so the factors only need to be
plausible relative to one another. Types in one ``family`` can meet the same need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class AreaDef:
    code: str
    name: str
    coalition: str | None
    description: str


@dataclass(frozen=True)
class ItemTypeDef:
    code: str
    public_name: str
    category: str
    area: str
    unit: str
    lift: str  # lift units per unit (a documented estimate), as a decimal string
    family: str


AREAS: tuple[AreaDef, ...] = (
    AreaDef("air-defence", "Air defence", "Integrated Air and Missile Defence Coalition",
            "Surface-to-air systems, interceptors, air-defence guns, counter-drone systems, radars."),
    AreaDef("artillery", "Artillery", "Artillery Coalition",
            "Howitzers, rocket launchers, mortars, their ammunition and counter-battery radars."),
    AreaDef("armour", "Armour", "Armour Coalition",
            "Tanks, infantry fighting vehicles, personnel carriers and protected mobility."),
    AreaDef("drones", "Drones", "Drone Coalition",
            "Reconnaissance and armed drones, loitering munitions and drone support equipment."),
    AreaDef("demining", "Demining", "Demining Coalition",
            "Humanitarian and military demining and explosive ordnance disposal equipment."),
    AreaDef("maritime", "Maritime", "Maritime Capability Coalition",
            "Mine countermeasures, patrol boats and coastal defence."),
    AreaDef("it-comms", "IT & communications", "IT Coalition",
            "Tactical communications, IT, electronic warfare and surveillance sensors."),
    AreaDef("medical", "Medical", None, "Medical supplies, equipment, field hospitals, ambulances."),
    AreaDef("engineering", "Engineering", None, "Bridging, demolition, mines and field engineering."),
    AreaDef("ammunition", "Ammunition", None,
            "Small-arms, grenade, anti-armour and other ammunition not tied to a coalition above."),
    AreaDef("infantry", "Infantry weapons", None,
            "Small arms, machine guns, anti-armour weapons and grenade launchers."),
    AreaDef("soldier", "Soldier & winter equipment", None,
            "Personal protection, optics, clothing, shelter and rations."),
    AreaDef("aviation", "Aviation", "Air Force Capability Coalition",
            "Aircraft and helicopters, their spares and air-launched munitions."),
    AreaDef("logistics", "Logistics & vehicles", None,
            "Trucks, light vehicles, trailers, fuel, power and other military equipment."),
    AreaDef("humanitarian", "Humanitarian & non-lethal", None,
            "Civilian relief, shelter, energy, civil protection vehicles."),
    AreaDef("financial", "Financial", None, "Grants, loans, guarantees and pooled funds."),
)  # fmt: skip


def _t(
    code: str, name: str, category: str, area: str, unit: str, lift: str, family: str = ""
) -> ItemTypeDef:
    return ItemTypeDef(code, name, category, area, unit, lift, family or code)


ITEM_TYPES: tuple[ItemTypeDef, ...] = (
    # Artillery
    _t("howitzer-155", "155 mm towed howitzer", "Artillery", "artillery", "each", "8"),
    _t("spg-155", "155 mm self-propelled howitzer", "Artillery", "artillery", "each", "40",
       "howitzer-155"),
    _t("howitzer-152", "152 mm howitzer", "Artillery", "artillery", "each", "20"),
    _t("howitzer-122", "122 mm howitzer", "Artillery", "artillery", "each", "4"),
    _t("howitzer-105", "105 mm light howitzer", "Artillery", "artillery", "each", "3"),
    _t("howitzer-unspecified", "Howitzer (calibre not published)", "Artillery", "artillery", "each",
       "10"),
    _t("mlrs-227", "227 mm multiple rocket launcher", "Artillery", "artillery", "each", "25"),
    _t("mlrs-122", "122 mm multiple rocket launcher", "Artillery", "artillery", "each", "12"),
    _t("mortar-120", "120 mm mortar", "Artillery", "artillery", "each", "1"),
    _t("mortar-light", "Light mortar (60–82 mm)", "Artillery", "artillery", "each", "0.1"),
    _t("artillery-radar", "Counter-battery radar", "Artillery", "artillery", "each", "10"),
    _t("artillery-spares", "Artillery spare parts and barrels", "Artillery", "artillery", "each",
       "0.5"),
    _t("ammo-155", "155 mm artillery round", "Artillery ammunition", "artillery", "round", "0.05"),
    _t("ammo-152", "152 mm artillery round", "Artillery ammunition", "artillery", "round", "0.05"),
    _t("ammo-122", "122 mm artillery round", "Artillery ammunition", "artillery", "round", "0.03"),
    _t("ammo-105", "105 mm artillery round", "Artillery ammunition", "artillery", "round", "0.02"),
    _t("ammo-artillery-other", "Artillery round (calibre not published)", "Artillery ammunition",
       "artillery", "round", "0.05"),
    _t("rocket-227", "227 mm artillery rocket", "Artillery ammunition", "artillery", "round", "0.5"),
    _t("rocket-122", "122 mm artillery rocket", "Artillery ammunition", "artillery", "round", "0.1"),
    _t("rocket-300", "300 mm artillery rocket", "Artillery ammunition", "artillery", "round", "1"),
    _t("ammo-mortar-120", "120 mm mortar round", "Artillery ammunition", "artillery", "round",
       "0.02"),
    _t("ammo-mortar-light", "Light mortar round (60–82 mm)", "Artillery ammunition", "artillery",
       "round", "0.005"),
    # Air defence
    _t("sam-system", "Surface-to-air missile system", "Air defence", "air-defence", "each", "30"),
    _t("spaag", "Self-propelled air-defence vehicle", "Air defence", "air-defence", "each", "40"),
    _t("manpads", "Man-portable air-defence launcher", "Air defence", "air-defence", "each", "0.05"),
    _t("manpads-missile", "Man-portable air-defence missile", "Air defence ammunition",
       "air-defence", "round", "0.05"),
    _t("sam-missile", "Surface-to-air interceptor missile", "Air defence ammunition", "air-defence",
       "round", "1"),
    _t("ammo-aa-gun", "Anti-aircraft gun ammunition", "Air defence ammunition", "air-defence",
       "round", "0.0005"),
    _t("counter-uas", "Counter-drone system", "Air defence", "air-defence", "each", "0.2"),
    _t("air-surveillance-radar", "Air surveillance radar", "Air defence", "air-defence", "each",
       "10"),
    # Armour
    _t("mbt", "Main battle tank", "Armoured vehicles", "armour", "each", "40"),
    _t("ifv", "Infantry fighting vehicle", "Armoured vehicles", "armour", "each", "25"),
    _t("apc", "Armoured personnel carrier", "Armoured vehicles", "armour", "each", "15"),
    _t("auv", "Armoured utility vehicle", "Armoured vehicles", "armour", "each", "10",
       "protected-mobility"),
    _t("ppv", "Protected patrol vehicle (mine-protected)", "Armoured vehicles", "armour", "each",
       "15", "protected-mobility"),
    _t("arv", "Armoured recovery vehicle", "Armoured vehicles", "armour", "each", "40"),
    _t("automatic-cannon", "Automatic cannon (vehicle or vessel mount)", "Armament", "armour",
       "each", "1"),
    _t("ammo-tank-125", "125 mm tank round", "Armour ammunition", "armour", "round", "0.03"),
    # Infantry weapons
    _t("rifle", "Assault rifle or carbine", "Small arms", "infantry", "each", "0.005",
       "small-arms"),
    _t("pistol", "Pistol or submachine gun", "Small arms", "infantry", "each", "0.002",
       "small-arms"),
    _t("small-arms-mixed", "Small arms (type not published)", "Small arms", "infantry", "each",
       "0.005", "small-arms"),
    _t("machine-gun", "Machine gun", "Small arms", "infantry", "each", "0.01"),
    _t("sniper-rifle", "Sniper or anti-materiel rifle", "Small arms", "infantry", "each", "0.01"),
    _t("grenade-launcher", "Grenade launcher", "Small arms", "infantry", "each", "0.02"),
    _t("at-disposable", "Light anti-armour weapon (disposable)", "Anti-armour", "infantry", "each",
       "0.01", "anti-armour"),
    _t("at-guided", "Anti-tank guided missile system", "Anti-armour", "infantry", "each", "0.05",
       "anti-armour"),
    _t("recoilless-rifle", "Recoilless rifle", "Anti-armour", "infantry", "each", "0.02",
       "anti-armour"),
    # Ammunition
    _t("ammo-small-arms", "Small-arms ammunition", "Ammunition", "ammunition", "round", "0.0001"),
    _t("ammo-grenade", "Grenade launcher ammunition", "Ammunition", "ammunition", "round", "0.001"),
    _t("hand-grenade", "Hand grenade", "Ammunition", "ammunition", "each", "0.001"),
    _t("at-munition", "Anti-armour missile or rocket", "Ammunition", "ammunition", "round", "0.03"),
    _t("ammo-bulk-tonne", "Ammunition (bulk, tonnes)", "Ammunition", "ammunition", "tonne", "1"),
    _t("ammo-other", "Ammunition (type not published)", "Ammunition", "ammunition", "round",
       "0.001"),
    # Engineering
    _t("explosives", "Demolition explosives and charges", "Engineering", "engineering", "each",
       "0.005"),
    _t("mine-at", "Anti-vehicle mine", "Engineering", "engineering", "each", "0.01"),
    _t("avlb", "Armoured vehicle-launched bridge", "Engineering", "engineering", "each", "45"),
    _t("bridge", "Bridging equipment", "Engineering", "engineering", "each", "20"),
    _t("bridge-metre", "Bridge sections", "Engineering", "engineering", "metre", "0.5"),
    # Demining
    _t("demining-kit", "Demining and EOD equipment set", "Demining", "demining", "each", "0.5"),
    _t("demining-robot", "Unmanned mine-detection system", "Demining", "demining", "each", "1"),
    _t("demining-vehicle", "Demining vehicle", "Demining", "demining", "each", "5"),
    # Drones
    _t("uas-recon", "Reconnaissance drone (small UAS)", "Drones", "drones", "each", "0.1"),
    _t("uas-unspecified", "Unmanned aerial system (type not published)", "Drones", "drones", "each",
       "0.2", "uas-recon"),
    _t("uas-combat", "Armed drone (medium-altitude UAS)", "Drones", "drones", "each", "10"),
    _t("loitering-munition", "Loitering munition", "Drones", "drones", "each", "0.02"),
    _t("uas-cargo", "Heavy-lift cargo drone", "Drones", "drones", "each", "1"),
    _t("uas-support", "Drone support equipment and spares", "Drones", "drones", "each", "0.5"),
    # Maritime
    _t("mcm-vessel", "Mine countermeasures vessel", "Naval vessels", "maritime", "each", "200",
       "mine-countermeasures"),
    _t("mcm-drone", "Unmanned mine countermeasures system", "Naval vessels", "maritime", "each",
       "2", "mine-countermeasures"),
    _t("patrol-boat", "Patrol boat", "Naval vessels", "maritime", "each", "20"),
    _t("small-boat", "Small boat (inflatable)", "Naval vessels", "maritime", "each", "2"),
    _t("coastal-defence-system", "Coastal anti-ship missile system", "Coastal defence", "maritime",
       "each", "30"),
    _t("anti-ship-missile", "Anti-ship missile", "Coastal defence", "maritime", "round", "1"),
    # Aviation
    _t("helicopter", "Helicopter", "Aircraft", "aviation", "each", "60"),
    _t("aircraft-spares", "Aircraft spare parts", "Aircraft", "aviation", "each", "0.5"),
    _t("air-launched-missile", "Air-launched missile", "Aviation ammunition", "aviation", "round",
       "0.5"),
    _t("targeting-pod", "Targeting pod", "Aircraft", "aviation", "each", "0.5"),
    # IT & communications
    _t("radio", "Tactical radio and communications equipment", "Communications", "it-comms",
       "each", "0.02"),
    _t("it-equipment", "IT equipment (computers, phones)", "Communications", "it-comms", "each",
       "0.01"),
    _t("ew-equipment", "Electronic warfare equipment", "Electronic warfare", "it-comms", "each",
       "0.1"),
    _t("surveillance-system", "Surveillance sensor system", "Surveillance", "it-comms", "each",
       "0.5"),
    _t("satellite-imagery", "Commercial satellite imagery service", "Surveillance", "it-comms",
       "service", "0"),
    # Medical
    _t("medical-consumables", "Medical consumables (dressings, kits, gloves)", "Medical",
       "medical", "each", "0.001"),
    _t("medicines", "Medicines and vaccines", "Medical", "medical", "pack", "0.0005"),
    _t("medical-equipment", "Medical equipment (beds, monitors, ventilators)", "Medical",
       "medical", "each", "0.2"),
    _t("medical-bulk", "Medical supplies (bulk)", "Medical", "medical", "tonne", "1"),
    _t("field-hospital", "Field hospital", "Medical", "medical", "each", "100"),
    _t("ambulance", "Ambulance or medical evacuation vehicle", "Medical", "medical", "each", "8"),
    # Soldier & winter equipment
    _t("helmet", "Combat helmet", "Personal protection", "soldier", "each", "0.005"),
    _t("body-armour", "Body armour", "Personal protection", "soldier", "each", "0.01"),
    _t("cbrn-protection", "CBRN protective equipment", "Personal protection", "soldier", "each",
       "0.005"),
    _t("night-vision", "Night-vision device", "Optics", "soldier", "each", "0.005"),
    _t("optics", "Optics, sights and rangefinders", "Optics", "soldier", "each", "0.005"),
    _t("winter-clothing", "Winter and field clothing", "Clothing", "soldier", "each", "0.005"),
    _t("sleeping-gear", "Sleeping bags and mats", "Field equipment", "soldier", "each", "0.005"),
    _t("tent", "Tent", "Field equipment", "soldier", "each", "0.2"),
    _t("ration", "Field ration", "Rations", "soldier", "each", "0.001"),
    _t("field-equipment", "Individual field equipment (other)", "Field equipment", "soldier",
       "each", "0.005"),
    # Logistics & vehicles
    _t("truck", "Truck or tractor unit", "Vehicles", "logistics", "each", "10"),
    _t("light-vehicle", "Light off-road vehicle or pick-up", "Vehicles", "logistics", "each", "5"),
    _t("trailer", "Trailer or semitrailer", "Vehicles", "logistics", "each", "8"),
    _t("generator", "Power generator", "Power", "logistics", "each", "0.5"),
    _t("fuel-litre", "Fuel (litres)", "Fuel", "logistics", "litre", "0.001"),
    _t("fuel-tonne", "Fuel and vehicle fluids (tonnes)", "Fuel", "logistics", "tonne", "1"),
    _t("spare-parts", "Vehicle and weapon spare parts", "Spares", "logistics", "each", "0.05"),
    _t("pallet-mixed", "Mixed materiel (pallets)", "Logistics", "logistics", "pallet", "1"),
    _t("military-equipment-other", "Military equipment (other)", "Military equipment",
       "logistics", "each", "0.5"),
    # Humanitarian & non-lethal
    _t("relief-items", "Relief items (blankets, hygiene, household)", "Humanitarian",
       "humanitarian", "each", "0.005"),
    _t("shelter", "Shelter, housing and building materials", "Humanitarian", "humanitarian",
       "each", "5"),
    _t("food-tonne", "Food (tonnes)", "Humanitarian", "humanitarian", "tonne", "1"),
    _t("water-litre", "Drinking water (litres)", "Humanitarian", "humanitarian", "litre", "0.001"),
    _t("disinfectant-litre", "Disinfectant (litres)", "Humanitarian", "humanitarian", "litre",
       "0.001"),
    _t("coal-tonne", "Coal (tonnes)", "Energy", "humanitarian", "tonne", "1"),
    _t("relief-bulk", "Relief goods (bulk, tonnes)", "Humanitarian", "humanitarian", "tonne", "1"),
    _t("fire-rescue-vehicle", "Fire and rescue vehicle", "Civil protection", "humanitarian", "each",
       "10"),
    _t("civil-vehicle", "Civilian vehicle (bus, van, utility)", "Vehicles", "humanitarian", "each",
       "8"),
    _t("water-treatment", "Water treatment unit", "Humanitarian", "humanitarian", "each", "5"),
    _t("humanitarian-other", "Humanitarian goods (other)", "Humanitarian", "humanitarian", "each",
       "0.1"),
)  # fmt: skip

BY_CODE: dict[str, ItemTypeDef] = {t.code: t for t in ITEM_TYPES}


# --- Mapping Kiel items onto the catalogue --------------------------------------------------------

Rule = tuple[re.Pattern[str], str]


def _rules(*pairs: tuple[str, str]) -> tuple[Rule, ...]:
    return tuple((re.compile(p), code) for p, code in pairs)


#: Item texts Kiel filed under a sub-type that does not fit them; checked before the sub-type.
OVERRIDES = _rules(
    (r"^mars ii", "mlrs-227"),  # Kiel codes MARS II as "127mm"; it fires the 227 mm rockets of M270
    (r"^ton of .*round", "ammo-bulk-tonne"),
    (r"replacement barrels|spare parts for m109|equipment for m109", "artillery-spares"),
    (r"125 ?mm he", "ammo-tank-125"),
    (r"mistral air defence missile", "manpads-missile"),
    (r"mistral air defence launcher|piorun|shoulder fired manpad", "manpads"),
    (r"strela", "manpads-missile"),
    (r"hellfire|brimstone|anti-radiation", "air-launched-missile"),
    (r"^at4", "at-disposable"),
    (r"javelin (command launch|anti-armor systems)|^javelin$|^milan", "at-guided"),
    (r"vog-25", "ammo-grenade"),
    (r"vog-17|grenade launcher \(m320", "grenade-launcher"),
    (r"^73 ?mm", "at-munition"),
    (r"cz 805|g3 automatic", "rifle"),
    (r"scorpion|scorpio", "pistol"),
    (r"cartridge for rk 62", "ammo-small-arms"),
    (r"^40 ?mm ammunition", "ammo-grenade"),
    (r"grenade launchers and small arms|^lethal weapons$", "small-arms-mixed"),
    (r"^military ammunition$", "ammo-other"),
    (r"^hand grenade", "hand-grenade"),
    (r"jeep", "light-vehicle"),
    (r"m113", "apc"),
)


def _refine_155(item: str) -> str:
    sp = re.search(r"panzerhaubitze|krab|m109|caesar|zuzana|zusana", item)
    return "spg-155" if sp else "howitzer-155"


def _refine_salw(item: str) -> str:
    for pattern, code in (
        (r"machine gun|mg3|minimi|vz\.? ?59", "machine-gun"),
        (r"sniper|barrett|accuracy international", "sniper-rifle"),
        (r"pistol", "pistol"),
        (r"rifle|carbine|rk 62|ak-47|fnc|automatic fire arm|shotgun", "rifle"),
    ):
        if re.search(pattern, item):
            return code
    return "small-arms-mixed"


#: Kiel ``Sub-type of item`` (lower case) → item type code, or a function of the item text.
SUBTYPES: dict[str, str | tuple[str, str]] = {
    "105mm": "ammo-105",
    "105mm howitzer": "howitzer-105",
    "122mm howitzer": "howitzer-122",
    "122mm howitzer ammunition": "ammo-122",
    "152mm howitzer": "howitzer-152",
    "152mm howitzer ammunition": "ammo-152",
    "155mm howitzer ammunition": "ammo-155",
    "howitzer ammunition": "ammo-artillery-other",
    "unknown howitzer": "howitzer-unspecified",
    "122mm mlrs": "mlrs-122",
    "127mm mlrs": "mlrs-227",
    "227mm mlrs": "mlrs-227",
    "122mm mlrs ammunition": "rocket-122",
    "127mm mlrs ammunition": "rocket-227",
    "227mm mlrs ammunition": "rocket-227",
    "300mm mlrs ammunition": "rocket-300",
    "anti-aircraft system": "sam-system",
    "anti-aircraft system ammunition": "sam-missile",
    "anti-aircraft guns ammunition": "ammo-aa-gun",
    "self-propelled anti-aircraft weapon": "spaag",
    "manpads": "manpads",
    "manpads ammunition": "manpads-missile",
    "anti-drone": "counter-uas",
    "anti-ship missle system": "coastal-defence-system",
    "ashm": "coastal-defence-system",
    "armoured personnel carrier (apc)": "apc",
    "armoured recovery vehicle (arv)": "arv",
    "armoured utility vehicle (auv)": "auv",
    "infantry fighting vehicle (ifv)": "ifv",
    "main battle tank (mbt)": "mbt",
    "protected patrol vehicle (ppv)": "ppv",
    "vehicle launched bridge (vlb)": "avlb",
    "patrol and coastal combatants": "patrol-boat",
    "other": "military-equipment-other",
    "air-to-surface missile (asm)": "air-launched-missile",
    "cargo drone": "uas-cargo",
    "combat aircraft": "helicopter",  # R7's "combat aircraft" rows are Mi-17 and Mi-24 helicopters
    "transport aircraft": "helicopter",  # ... and Mi-2
    "combat drones": "uas-combat",
    "loitering munition (suicide drone)": "loitering-munition",
    "reconnaissance drone": "uas-recon",
    "unknown drone": "uas-unspecified",
    "minehunter drone": "mcm-drone",
    "anti-materiel rifle": "sniper-rifle",
    "explosive": "explosives",
    "light anti-armor weapon (law)": "at-disposable",
    "light anti-armor weapon (law) ammunition": "at-munition",
    "recoilless rifle (rr/rcl)": "recoilless-rifle",
    "recoilless rifle (rr/rcl) ammunition": "at-munition",
    "small arms and light weapons (salw) ammunition": "ammo-small-arms",
    "grenade launcher": "grenade-launcher",
    "under-barrel grenade launcher": "grenade-launcher",
    # Refined by the item text:
    "155mm howitzer": ("refine", "155"),
    "small arms and light weapons (salw)": ("refine", "salw"),
    "mortar": ("pattern", r"120|^mortar \(|heavy mortar"),  # → mortar-120 else mortar-light
    "mortar ammunition": ("pattern", r"120"),
    "mine vessels": ("pattern", r"drone"),
}

_PATTERN_CODES = {
    "mortar": ("mortar-120", "mortar-light"),
    "mortar ammunition": ("ammo-mortar-120", "ammo-mortar-light"),
    "mine vessels": ("mcm-drone", "mcm-vessel"),
}

#: For items without a usable sub-type: keyword rules on the item text, first match wins.
TEXT_RULES = _rules(
    (r"counter-unmanned|anti-drone", "counter-uas"),
    (r"support equipment for scan eagle|radars for unmanned|drone camera", "uas-support"),
    (r"scan ?eagle", "uas-recon"),
    (r"helicopter", "helicopter"),
    (r"mig-29 spare|aircraft spare", "aircraft-spares"),
    (r"laser designator pod", "targeting-pod"),
    (r"nasams", "sam-missile"),
    (r"harpoon", "anti-ship-missile"),
    (r"remote anti-armor mine|^mine$", "mine-at"),
    (r"artillery round", "ammo-artillery-other"),
    (r"^fuse$|^ammunition$", "ammo-other"),
    (r"mk44 cannon|seahawk", "automatic-cannon"),
    (r"armou?red personnel carrier", "apc"),
    (r"mine resistant ambush|maxxpro", "ppv"),
    (r"unmanned ground system|detection robot", "demining-robot"),
    (r"off-road vehicle for demining", "demining-vehicle"),
    (r"demining|mine clearing|explosive ordnance disposal|metal detector", "demining-kit"),
    (r"c-4|demolition|detonating cord|explosive", "explosives"),
    (r"armou?red medical|ambulance|medical evacuation", "ambulance"),
    (r"field hospital", "field-hospital"),
    (r"sentinel|air-surveillance radar|multi-mission radar", "air-surveillance-radar"),
    (r"firefinder|counter artillery radar|counter battery|weapon locating|artillery radar",
     "artillery-radar"),
    (r"squire|ground surveillance radar|thermal imagery|flir|surveillance", "surveillance-system"),
    (r"satellit", "satellite-imagery"),
    (r"jamming|frequency scanner|radio-frequency system|bandwidth extension", "ew-equipment"),
    (r"\bradio\b|field telephone|field cable|communications|identification friend|ip phone|antenna"
     r"|high frequency device", "radio"),
    (r"laptop|desktop", "it-equipment"),
    (r"night[- ]vision", "night-vision"),
    (r"shooting glasses|safety glasses", "field-equipment"),
    (r"optic|binocular|rangefinder|field glass|gun sight", "optics"),
    (r"helmet", "helmet"),
    (r"body armor|ballistic vest|fragmentation vest|protective gear", "body-armour"),
    (r"medical protective mask|mouth mask|disposable glove|latex gloves|nitrile gloves",
     "medical-consumables"),
    (r"gas mask|protective mask with filter|chemical, biological|bio protection|decontamination"
     r"|protective suit", "cbrn-protection"),
    (r"\bmre\b|ration|meal pack", "ration"),
    (r"palett", "pallet-mixed"),
    (r"cold weather|cold-weather|thermal clothing|winter clothing|uniform|clothes|coat|gloves"
     r"|boots|shoes", "winter-clothing"),
    (r"sleeping bag|sleeping mat|floor mat", "sleeping-gear"),
    (r"\btent\b", "tent"),
    (r"camouflage|lifejacket|hygiene kit|lighter|field equipment", "field-equipment"),
    (r"generator", "generator"),
    (r"^(liter|litre) of (diesel|fuel)", "fuel-litre"),
    (r"ton of (fuel|diesel)|adblue", "fuel-tonne"),
    (r"diesel|fuel|petrol", "fuel-litre"),
    (r"ton of (medical|medicine|health|emergency and resuscitation)", "medical-bulk"),
    (r"ton of coal", "coal-tonne"),
    (r"ton of food", "food-tonne"),
    (r"ton of", "relief-bulk"),
    (r"fire|rescue vehicle", "fire-rescue-vehicle"),
    (r"\bbus\b|irisbus|\bvan\b|garbage", "civil-vehicle"),
    (r"tractor|lorry|truck|m1070|oshkosh|towing vehicle|to tow", "truck"),
    (r"trailer", "trailer"),
    (r"pick-up|tactical vehicle|^vehicle$", "light-vehicle"),
    (r"spare part", "spare-parts"),
    (r"infusion|hospital material|medical equipment|monitor|ventilator|respirat|hospital bed"
     r"|pediatric bed|fridge|dna-analysis|op-light", "medical-equipment"),
    (r"first-aid|first aid|wound bandage|auto-injector|stretcher|medical supplies|syringe"
     r"|blood bag", "medical-consumables"),
    (r"medicine|vaccine|analgesic|antibiotic|anti-inflammatory", "medicines"),
    (r"of (bottled )?water", "water-litre"),
    (r"disinfectant", "disinfectant-litre"),
    (r"meter of bridge", "bridge-metre"),
    (r"bridge", "bridge"),
    (r"water treatment", "water-treatment"),
    (r"mobile house|school|^hospital$|building materials", "shelter"),
    (r"boat", "small-boat"),
    (r"blanket|tarpaulin|\bbed\b|cable|necessit", "relief-items"),
)  # fmt: skip

#: Last resort by Kiel ``Type of item`` (lower case); anything else falls back by aid type.
TYPE_FALLBACK: dict[str, str] = {
    "humanitarian": "humanitarian-other",
    "aviation and drones": "uas-unspecified",
    "light armaments & infantry": "small-arms-mixed",
}


def classify(type_of_item: str, sub_type: str, item: str, *, humanitarian: bool) -> str:
    """The item type code for one Kiel row that names an item.

    Parameters:
        type_of_item: Kiel's ``Type of item`` (any case, may be ``.``).
        sub_type: Kiel's ``Sub-type of item`` (any case, may be ``.``).
        item: the item text.
        humanitarian: the row's ``Type of Aid General`` is Humanitarian (picks the last resort).
    """
    text = item.strip().lower()
    sub = sub_type.strip().lower()
    kind = type_of_item.strip().lower()
    for pattern, code in OVERRIDES:
        if pattern.search(text):
            return code
    mapped = SUBTYPES.get(sub)
    if isinstance(mapped, str):
        return mapped
    if mapped is not None:
        how, arg = mapped
        if how == "refine":
            return _refine_155(text) if arg == "155" else _refine_salw(text)
        hit, miss = _PATTERN_CODES[sub]
        heavy = sub == "mortar" and kind.startswith("heavy")
        return hit if heavy or re.search(arg, text) else miss
    for pattern, code in TEXT_RULES:
        if pattern.search(text):
            return code
    if kind.startswith("ammunition") or kind == "air-launched ammunition":
        return "ammo-other"
    if kind in TYPE_FALLBACK:
        return TYPE_FALLBACK[kind]
    return "humanitarian-other" if humanitarian else "military-equipment-other"
