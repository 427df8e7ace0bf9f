"""Every controlled vocabulary of the analysis, with the keyword rules that code raw text into it.

"unknown" means a fact exists but no source states it; "not_applicable" means there is no such fact
(e.g. no alleged force for a baby who died for lack of care on a blocked road). The two are never merged.

Rules are ordered tables of (rule name, regular expression, code). Text is matched after folding
accents and case (see `fold`), so patterns are written without accents. The first rule that matches
wins (WOUND collects every site instead). Each coder returns (code, rule_name) so the cleaning log can
say which rule fired. Patterns were written from the strings actually present in
data/raw/casualties/mentions.csv (Spanish, English, Portuguese, and English paraphrases of the evidence log).
"""
import re
import unicodedata

import pandas as pd

CONTEXT = {
    "clash": "killed in clashes with security forces, or shot/hurt during a protest they joined, watched or crossed",
    "blockade": "blockade-related: traffic accident, or lack of care because a blockade stopped a patient/ambulance",
    "police_officer": "a police officer killed during the protests",
    "other": "another documented context (e.g. beaten after arrest, outside any clash or blockade)",
    "unknown": "no source text states the context",
}
CAUSE = {
    "firearm_projectile": "bullet / firearm projectile (PAF), including rifle and pistol rounds",
    "pellets": "shotgun pellets (perdigones)",
    "tear_gas_canister": "tear-gas canister or cartridge striking the body",
    "blunt_trauma": "blunt object, stone, beating (TEC por objeto contundente)",
    "traffic_accident": "traffic accident or run over",
    "lack_of_medical_care": "illness or medical complication that killed because care was not reached in time",
    "other": "another stated cause (e.g. burned to death)",
    "unknown": "no cause stated, or only a mechanism that does not identify it (shock, trauma, 'asesinado')",
}
WOUND = {
    "head": "head, face, skull, behind the ear",
    "neck": "neck, nape",
    "thorax": "chest, thorax, lungs, heart",
    "abdomen": "abdomen, stomach, hip/pelvis, abdominal organs",
    "back": "entry in the back / from behind, kidney height",
    "limbs": "arms or legs",
    "multiple": "more than one of the sites above",
    "unknown": "an injury exists but no site is stated",
    "not_applicable": "no injury: death from illness/complication without violence",
}
FORCE = {
    "police": "Policía Nacional del Perú (incl. DINOES/Sinchis, comisarías)",
    "army": "Armed forces (Ejército, military)",
    "both": "police and army named together",
    "unknown": "no force stated, or only 'fuerzas del orden' without saying which",
    "not_applicable": "no security force alleged (blockade deaths; deaths at the hands of civilians)",
}
SEX = {
    "male": "the source uses a masculine word for the person",
    "female": "the source uses a feminine word for the person",
    "unknown": "no gendered word (names are not used to infer sex)",
}

# ---- source precedence -------------------------------------------------------------------------
# Rank by how close a source kind is to the primary record (lower = more authoritative). The
# conflict-resolution step prefers the value from the lowest rank; ties stay conflicts.
#   forensic_record  (0): necropsy / death certificate / IML report read directly. No source in
#                         sources.csv has this kind today; press articles quoting a certificate keep
#                         their press kind (the quote is still a press transcription).
#   ombudsman_list   (1): Defensoría del Pueblo registers (official tally of each death).
#   ngo_report       (2): human-rights NGOs and prosecutors' statements as published by NGOs.
#   press_table      (3): press tables compiled from the Defensoría.
#   press_article    (4): press reports.
#   encyclopedia     (5): tertiary compilations.
# A paraphrase row (evidence-log wording, not the source's printed words) ranks below every verbatim
# row of the same kind: rank = 10 * kind rank + 5 for paraphrase.
SOURCE_PRECEDENCE = {
    "forensic_record": 0,
    "ombudsman_list": 1,
    "ngo_report": 2,
    "press_table": 3,
    "press_article": 4,
    "encyclopedia": 5,
}
PARAPHRASE_PENALTY = 5


def source_rank(kind: str, quote_kind: str) -> int:
    """Precedence rank of one mention row; KeyError for a kind the table does not rank."""
    return 10 * SOURCE_PRECEDENCE[kind] + (PARAPHRASE_PENALTY if quote_kind == "paraphrase" else 0)


def is_known(value) -> bool:
    """A stated value: not missing, not empty and not the code "unknown" ("not_applicable" is stated)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return False
    return str(value) not in ("", "unknown")


# ---- text folding ------------------------------------------------------------------------------
def fold(text) -> str:
    """Lower case, accents removed (ñ → n), whitespace collapsed: the form rules are matched on."""
    if text is None:
        return ""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", t.lower()).strip()


def _first(rules, text, empty_code="unknown"):
    t = fold(text)
    if not t:
        return empty_code, "empty"
    for name, pattern, code in rules:
        if re.search(pattern, t):
            return code, name
    return "unknown", "no rule matched"


# ---- CONTEXT -----------------------------------------------------------------------------------
# Police officer first (his own death), then clash wording that mentions breaking a blockade (a
# clash, not a blockade death), then blockade, then clash/protest wording.
CONTEXT_RULES = [
    ("police officer (missing officer / patrol car / arson of police car)",
     r"desaparicion de un efectivo policial|patrullero|auto policial con un efectivo", "police_officer"),
    ("police officer (rank suboficial / SO)", r"^(el )?suboficial|^so2?\b|^police$|un policia$", "police_officer"),
    ("beaten after arrest (detained)", r"fue detenido", "other"),
    ("clash while police cleared a blockade",
     r"quebrar el bloqueo|unblocked|tried to clear|clear panamericana", "clash"),
    ("blockade / road closure", r"bloqueo|bloque de vias|blockade|cierre de vias|varad|stranded|ambulan"
     r"|no (le|la) (cedieron|dejaron) (el )?pas|no pudo (pasar|ser (evacuado|trasladado))"
     r"|no llego a tiempo|atenc\[", "blockade"),
    ("clash / repression wording", r"enfrenta|represion|repression|altercado|emboscada|tiroteo|masacre"
     r"|asesin|bala perdida|fuerzas publicas|violentos", "clash"),
    ("during protests / marches", r"manifesta|protest|marcha|movilizac", "clash"),
    ("helping the wounded", r"herid|auxili|socorr|rescataba", "clash"),
    ("shot or gassed during unrest (disparos / perdigones / tear gas / toma del aeropuerto)",
     r"disparos|perdigon|tear gas|lacrimog|toma del aeropuerto|enter .* airport", "clash"),
]


def code_context(text):
    return _first(CONTEXT_RULES, text)


# ---- CAUSE -------------------------------------------------------------------------------------
# Tear gas before blunt (a canister is a hard object; necropsies word it so); firearm before pellets
# so that a collective "balas de fusil AKM, perdigones y un proyectil" reads as firearm; a TEC or
# head trauma "por PAF" is a firearm death.
CAUSE_RULES = [
    ("tear-gas canister (lacrimogena / tear-gas)", r"lacrimogen|tear.?gas", "tear_gas_canister"),
    ("firearm (PAF / bala / disparo / proyectil de arma / bullet / shot)",
     r"\bpaf\b|\bbala|balazo|balead|disparo|arma(s)? de fuego|armas? de (guerra|gran potencia)|fusil"
     r"|acribillad|\bbullet|\bshot|\bshots\b|gun projectile|firearm|projectile wound|proyectil", "firearm_projectile"),
    ("pellets (perdigones / pellets)", r"perdig|pellet", "pellets"),
    ("blunt trauma (contundente / piedra / golpe / TEC)",
     r"contundente|piedra|golpe|\btec\b|encefalo.?craneano|craneoencefalico", "blunt_trauma"),
    ("traffic accident (accidente de transito / arrollado)", r"accidente de transito|arrollad", "traffic_accident"),
    ("medical condition (illness / complication without violence)",
     r"infeccion|sepsis|insuficiencia respiratoria|complicaciones respiratorias|paro cardio|descompensacion"
     r"|colico", "lack_of_medical_care"),
    ("burned (calcinado / burned)", r"calcinad|burned|quemad", "other"),
]


def code_cause(text):
    return _first(CAUSE_RULES, text)


# ---- WOUND -------------------------------------------------------------------------------------
# Every site found is collected; more than one distinct site → "multiple". "back of the neck" is the
# neck, "detrás de la oreja" the head; kidney height is read as the back (lumbar entry).
WOUND_RULES = [
    ("neck (cuello / nuca / neck)", r"cuello|nuca|\bneck\b", "neck"),
    ("head (cabeza / craneo / TEC / rostro / oreja / eye / brain)",
     r"cabeza|crane|encefal|\btec\b|\bhead\b|rostro|oreja|\beye\b|skull|parietal|cerebr|brain", "head"),
    ("thorax (torax / pecho / pulmon / chest / lungs / torso)",
     r"\bt(h)?ora(x|c)|pecho|pulmo|corazon|chest|lungs?\b|torso", "thorax"),
    ("abdomen (abdomen / estomago / cadera / pelvis / bazo / higado / intestinos)",
     r"abdom|estomago|stomach|cadera|pelvis|bazo|higado|intestin|vientre", "abdomen"),
    ("back (espalda / por detras / desde atras / riñones / back)",
     r"espalda|desde atras|por detras|from behind|\bback\b(?! of the neck)|rinones", "back"),
    ("limbs (pierna / brazo / femur / extremidades / arm / leg)",
     r"pierna|brazo|femur|extremidades|\barm\b|\bleg\b", "limbs"),
]


def code_wound(text):
    """(code, rule): one site → that site; several → 'multiple' with the sites in the rule name."""
    t = fold(text)
    if not t:
        return "unknown", "empty"
    sites = [(name, code) for name, pattern, code in WOUND_RULES if re.search(pattern, t)]
    if not sites:
        return "unknown", "no site word"
    codes = sorted({code for _, code in sites})
    if len(codes) == 1:
        return codes[0], sites[0][0]
    return "multiple", "several sites: " + ", ".join(codes)


# ---- FORCE -------------------------------------------------------------------------------------
_POLICE = r"polic|\bpnp\b|comisaria|sinchi|agente|officer|policeman"
_ARMY = r"ejercito|militar|soldad|fuerzas armadas|military|\barmy\b"
FORCE_RULES = [
    ("civilian perpetrators (turba / manifestantes / ex-policeman)",
     r"turba|manifestantes|protestantes|violentistas|expolicia", "not_applicable"),
    ("police and army named together", rf"(({_POLICE}).*({_ARMY}))|(({_ARMY}).*({_POLICE}))", "both"),
    ("army (ejercito / militares / soldados / military)", _ARMY, "army"),
    ("police (policia / PNP / comisaria / police)", _POLICE, "police"),
    ("security forces unspecified (fuerzas/miembros/efectivos del orden)", r"del orden", "unknown"),
]


def code_force(text):
    return _first(FORCE_RULES, text)


# ---- SEX ---------------------------------------------------------------------------------------
# Read from the gendered word the source uses, piece by piece (' ; '-separated). Epicene words
# ("joven", "adolescent") and plurals ("Los jóvenes") say nothing about the person → unknown.
SEX_RULES = [
    ("feminine word (una / la / ella / mujer / madre / niña / she / her / mulher)",
     r"\b(una|la|ella|she|her|uma|muerta)\b|mujer|madre|nina\b|ciudadana|rondera|femenin|mulher|adulta",
     "female"),
    ("masculine word (un / el / uno / otro / hijo / hermano / hombre / man / son / homem)",
     r"\b(un|el|uno|otro|um|man|son)\b|hijo|hermano|esposo|padre|hombre|nino\b|ciudadano|homem|\btio\b"
     r"|chico|muchacho|colegial|lider|pequeno", "male"),
]


def code_sex(text):
    """(code, rule). Pieces that disagree → unknown with the conflict in the rule."""
    pieces = [p for p in str(text or "").split(" ; ") if p.strip()]
    if not pieces:
        return "unknown", "empty"
    found = {}
    for piece in pieces:
        code, rule = _first(SEX_RULES, piece)
        if code != "unknown":
            found.setdefault(code, rule)
    if not found:
        return "unknown", "epicene or plural word only"
    if len(found) > 1:
        return "unknown", "conflicting gendered words: " + " / ".join(sorted(found))
    code, rule = next(iter(found.items()))
    return code, rule
