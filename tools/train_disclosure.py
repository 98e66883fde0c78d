"""Rebuild models/disclosure/model: the sentence classifier of the disclosure stage.

    python tools/train_disclosure.py            # write the data, train, copy the model
    python tools/train_disclosure.py --data-only

Training sentences, each labelled DISCLOSES (states a specific person's care or that they are a
patient) or NOT:
- models/disclosure/data/generated.jsonl: written by this script from templates (seeded):
  care words of every class x who (you, your relative, he/she, a name) x tone x specialty x
  English and Spanish; half of them compliant replies that look like disclosures (routing to a
  phone or advocate, apologies that confirm nothing, policy statements, advice to everyone);
- models/disclosure/data/handwritten*.jsonl: sentences written by hand for this project
  (every file matching the pattern is read, so a new batch is a new file);
- benchmarks/data/posts.jsonl: the project's labelled replies and comments;
- the odd half of ../shared/data/social-dev.jsonl (sd-0001, sd-0003, ...), never the even half,
  which measures the model (python -m benchmarks.disclosure).
A labelled post becomes one example per sentence: DISCLOSES if the sentence overlaps a
PATIENT_STATUS span. `spacy train` runs models/disclosure/config.cfg (bag of words and pairs,
fixed seed); the best model is copied to models/disclosure/model, which ships in the wheel.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "models" / "disclosure"
DATA = MODEL_DIR / "data"
SOCIAL_DEV = ROOT.parent / "shared" / "data" / "social-dev.jsonl"
SEED = 13
# Registers the model's tokenizer for `spacy train` (the config names it).
TOKENIZER_CODE = ROOT / "src" / "phiguard" / "detectors" / "shipped_models.py"
LABELS = ("DISCLOSES", "NOT")

sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from benchmarks.datasets import TUNE, social_half  # noqa: E402  (the honest loop's split)

CARE = {
    "procedure": ["knee replacement", "hip replacement", "colonoscopy", "gallbladder surgery",
                  "appendectomy", "C-section", "root canal", "crown", "tonsillectomy",
                  "cataract surgery", "ACL repair", "hernia repair", "heart cath", "biopsy",
                  "wisdom teeth extraction", "spinal fusion", "stent placement", "mastectomy",
                  "vasectomy", "hysterectomy", "back surgery", "bypass surgery"],
    "test": ["MRI", "CT scan", "mammogram", "EKG", "blood work", "labs", "ultrasound",
             "sleep study", "stress test", "throat culture", "pap smear", "A1C", "x-rays",
             "biopsy results", "pathology report", "strep test", "bone scan", "echo"],
    "medication": ["Ozempic", "insulin", "lisinopril", "Suboxone", "methadone", "antibiotics",
                   "chemo", "infusions", "Humira", "metformin", "Eliquis", "Adderall",
                   "sertraline", "Lexapro", "prednisone", "birth control", "pain meds",
                   "Mounjaro", "Keytruda", "iron infusions"],
    "mental": ["72-hour hold", "detox", "rehab stay", "therapy sessions", "psych evaluation",
               "counseling", "inpatient psych stay", "outpatient program", "eating disorder "
               "treatment", "depression treatment", "medication-assisted treatment"],
    "stay": ["stay in the ICU", "NICU stay", "time in the ER", "admission", "stay on 4 West",
             "visit to urgent care", "discharge", "stay in labor and delivery", "ED visit",
             "hospital stay", "time on the oncology floor", "stay in the burn unit"],
    "billing": ["bill", "copay", "claim", "balance", "prior authorization", "referral",
                "insurance denial", "deductible", "statement", "payment plan"],
    "condition": ["diabetes", "cancer", "broken wrist", "concussion", "pneumonia",
                  "heart attack", "stroke", "seizures", "asthma", "Crohn's disease",
                  "a fractured ankle", "kidney stones", "COVID", "preeclampsia"],
}
KIN = ["son", "daughter", "mom", "dad", "husband", "wife", "grandma", "grandpa", "baby",
       "brother", "sister", "partner", "father", "mother", "little one", "uncle", "roommate"]
NAMES = ["Maria", "Devon", "Priya", "Tom", "Keisha", "Luis", "Hannah", "Omar", "Grace",
         "Mr. Olsen", "Mrs. Park", "baby Nora", "Jaden", "Elena", "Coach Briggs"]
STAFF = ["Dr. Reyes", "our care team", "the nurses", "Dr. Chen", "our surgeons", "the team",
         "Nurse Kim", "our therapists", "the front desk", "Dr. Obi"]
SPECIALTY = ["cardiology", "orthopedics", "dental", "oncology", "pediatrics", "maternity",
             "behavioral health", "urgent care", "dermatology", "physical therapy",
             "imaging", "pharmacy", "billing office", "primary care", "the ER"]
PHONE = ["555-0100", "555-0142", "(555) 013-2200", "555-0187", "555-0119"]
OPENERS = ["", "", "Thank you! ", "So sorry. ", "Hi there! ", "Aww, ", "We hear you. ",
           "Oh no! ", "Love this! ", "Thanks for the update! ", "ugh sorry!! ", "🙏 "]

DISCLOSE_EN = [
    "we're so glad your {care} went smoothly",
    "sorry your {care} took so long",
    "your {care} results came back normal",
    "we hope your {kin}'s {care} is going well",
    "{staff} said your {care} healed beautifully",
    "it was a joy caring for you after your {care}",
    "see you Thursday for your follow-up on the {care}",
    "{name} is resting comfortably after the {care}",
    "{name} had a good night and is out of the ICU",
    "he's recovering well from his {care}",
    "she is in fair condition after her {care}",
    "your {kin} was such a trooper during the {care}",
    "we've fixed the error on your {care}",
    "the {care} we sent came back negative",
    "yes, that's {name} on our {specialty} floor!",
    "you're right, that's {name}, and {pron} is doing great after the {care}",
    "{staff} loved treating you during your {care}",
    "we're sorry your {kin} waited so long in our ER",
    "our records show you missed your {care}",
    "your {kin}'s {care} is scheduled for Monday",
    "congrats on the new baby, {name}!",
    "we're thrilled {name} is finally home after {pron2} {care}",
    "thanks for trusting us with your {care}",
    "we submitted the prior authorization for your {care}",
    "your {care} was covered at 80% by your plan",
    "during your {care} you deserved better",
    "your roommate had {care}, so the room was noisy",
    "hope {pron} is feeling better after the {care}",
    "we'll let {staff} know your {care} is healing well",
    "as your {specialty} team, we're proud of how far you've come since your {care}",
    "it was an honor to care for {pron3} in {pron2} last days",
    "you were seen by our busiest doctor that day",
    "so glad {staff} could get your {kin} in for the {care} the same day",
    "your {care} is on file and we can send it to your new doctor",
    "it was so nice meeting {pron3} during {pron2} {care}",
    "while you were here for the {care}, the nurses checked on you every hour",
    "your {kin} was a champ through the whole {care}",
    "we moved your {care} up to next Tuesday",
    "{name} was such a sweetheart on our {specialty} floor",
    "sounds like your {kin}'s {care} finally did the trick",
    "your {care} looks much better than last time",
    "your {care} was read by two of our radiologists",
    "the {care} you had with us last spring was billed twice, and we fixed it",
    "we loved having {pron3} with us on the {specialty} unit",
    "{pron} crushed it in {care} today",
    "your {kin}'s comfort was all that mattered to us in those last days",
    "you were our first {care} of the morning",
    "your {care} is healing nicely according to your nurse",
    "tell your {kin} the whole {specialty} team misses {pron3}",
    "we adjusted your {care} on the 3rd",
    "{name}'s {care} went perfectly and {pron} is already asking for pizza",
    "hope the new {care} is helping with the pain",
    "our {specialty} nurses remember you and your {kin} so fondly",
    "you're 32 weeks now, so we moved up your {care}",
    "we found the mix-up with your {kin}'s {care} and refunded the copay",
    "you did the hard part by finishing {care} with us",
    "{pron} is stable and {pron2} family is with {pron3}",
    "glad you and the baby are home safe after the {care}",
    "your {care} came back clear",
    "the {care} on your knee should feel normal in a day or two",
    "it is! {pron} has been so brave through the {care}",
    "you were triaged as non-urgent, which is why the wait was long",
]
DISCLOSE_ES = [
    "nos alegra que su {kin_es} saliera bien de la {care_es}",
    "su {care_es} está programada para el lunes",
    "sentimos que su {kin_es} esperara tanto en urgencias",
    "los resultados de su {care_es} salieron normales",
    "{name} ya salió de la UCI y se está recuperando",
    "su bebé salió de la UCIN el domingo",
    "fue un placer atenderla durante su {care_es}",
    "la factura de la {care_es} de su {kin_es} ya salió por correo",
]
NOT_EN = [
    "we're sorry to hear about your experience; please call our patient advocate at {phone}",
    "we're not able to talk about anyone's treatment online, but {staff} would be glad to "
    "hear from you at {phone}",
    "for privacy we never confirm whether anyone is a patient",
    "we take every concern about {care} seriously and would like to learn more",
    "our {specialty} team follows the same guidelines for every patient",
    "if you or someone you love needs {care}, call {phone} to schedule",
    "book your {care} online or call {phone}",
    "you can schedule a {care} at any of our clinics",
    "most {care} results are released to the portal within 3 business days",
    "thank you for the kind words about {staff}; we'll share them with the team",
    "we offer {care} on Saturdays for anyone who needs it",
    "please don't post account or record numbers here; our billing team can help at {phone}",
    "we'd like to make this right; please contact Patient Relations at {phone}",
    "to protect your privacy, please send us a direct message",
    "every patient deserves respect and clear answers about their {care}",
    "our {specialty} clinic is accepting new patients",
    "we'll pass your thanks along to {staff}",
    "questions about a {care}? our nurse line is open 24/7 at {phone}",
    "{staff} loves working with our littlest patients",
    "we're so sorry for your loss; our grief support group meets Tuesdays",
    "join us for a free {care} screening event this Saturday",
    "we can't share updates on any patient, but we appreciate your concern",
    "sorry for the frustration! wait times are posted online",
    "we hear you, and we're sorry; a {care} should never feel rushed",
    "thank you for trusting us with your health",
    "we're glad to hear the {specialty} team made a difference",
    "learn more about {care} on our website",
    "insurance questions can be complicated; our financial counselors can explain any bill",
    "it was {staff}'s first year in our {specialty} department",
    "we're proud of our {specialty} team and the care they give everyone",
    "{care} appointments can be booked online any time",
    "our {specialty} unit cares for families from across the region",
    "we want every {care} to feel respectful, and we're sorry to hear this",
    "never stop a {care} without talking to your doctor first",
    "wait times for {care} are posted online and updated every 15 minutes",
    "we're glad you had a great experience with {staff}",
    "thanks so much for the 5 stars",
    "stay home if you have a fever and call your doctor if it lasts",
    "{care} is free at our drive-through site this weekend",
    "we can't confirm who appears in our videos, but thanks for watching",
    "{staff} has worked on our {specialty} unit for 20 years",
    "the {specialty} team is celebrating its 10th anniversary",
    "our {care} program was just ranked among the best in the state",
    "ask your provider whether a {care} is right for you",
    "a {care} usually takes about 30 minutes",
    "we hope you'll give us another chance; please reach out at {phone}",
    "our hearts go out to everyone affected",
    "thank you for being part of our community",
    "{staff} will be so happy to hear this",
    "we're sorry for the confusion about {care} pricing; estimates are online",
]
NOT_ES = [
    "lamentamos su experiencia; por favor llame a nuestra defensora del paciente al {phone}",
    "por privacidad no podemos hablar de ningún paciente aquí",
    "puede programar su {care_es} en línea o llamando al {phone}",
    "gracias por sus palabras; las compartiremos con el equipo",
    "nuestra clínica atiende sin cita los sábados",
    "si usted o un ser querido necesita una {care_es}, llámenos al {phone}",
]
CARE_ES = ["cirugía", "cesárea", "resonancia", "mamografía", "quimioterapia", "cita",
           "consulta", "hospitalización", "operación", "biopsia", "diálisis"]
KIN_ES = ["hijo", "hija", "papá", "mamá", "esposo", "esposa", "abuela", "bebé"]


def _fill(template: str, rng: random.Random) -> str:
    care_class = rng.choice(sorted(CARE))
    pron = rng.choice(["he", "she"])
    values = {
        "care": rng.choice(CARE[care_class]), "kin": rng.choice(KIN),
        "name": rng.choice(NAMES), "staff": rng.choice(STAFF),
        "specialty": rng.choice(SPECIALTY), "phone": rng.choice(PHONE),
        "pron": pron, "pron2": "his" if pron == "he" else "her",
        "pron3": "him" if pron == "he" else "her",
        "care_es": rng.choice(CARE_ES), "kin_es": rng.choice(KIN_ES),
    }
    text = rng.choice(OPENERS) + template.format(**values)
    text = text[0].upper() + text[1:]
    tone = rng.random()
    if tone < 0.15:
        text = text.lower()
    elif tone < 0.2:
        text = text.upper()
    return text + rng.choice([".", "!", "!!", " 💙", ". 🙌", ""])


def generate(count: int = 4000) -> list[dict[str, Any]]:
    """Seeded sentences, half disclosing and half compliant look-alikes."""
    rng = random.Random(SEED)
    out: list[dict[str, Any]] = []
    pools = [(DISCLOSE_EN, "DISCLOSES", 0.85), (DISCLOSE_ES, "DISCLOSES", 0.15),
             (NOT_EN, "NOT", 0.85), (NOT_ES, "NOT", 0.15)]
    seen: set[str] = set()
    while len(out) < count:
        label = "DISCLOSES" if len(out) % 2 == 0 else "NOT"
        choices = [(t, w) for t, lab, w in pools if lab == label]
        templates = choices[0][0] if rng.random() < choices[0][1] else choices[1][0]
        text = _fill(rng.choice(templates), rng)
        if text not in seen:
            seen.add(text)
            out.append({"text": text, "label": label})
    return out


def _post_sentences(record: dict[str, Any]) -> list[dict[str, Any]]:
    from phiguard.detectors.disclosure import _sentences

    text = record.get("text") or ""
    spans = [(p["start"], p["end"]) for p in record.get("phi") or []
             if "PATIENT_STATUS" in (p.get("label"), p.get("entity"))
             and p.get("field", "text") == "text"]
    out = []
    for start, end in _sentences(text):
        hit = any(s < end and start < e for s, e in spans)
        out.append({"text": text[start:end], "label": "DISCLOSES" if hit else "NOT"})
    return out


def labelled_posts() -> list[dict[str, Any]]:
    """Sentences of the project's labelled replies and of social-dev's odd half."""
    records = [json.loads(line) for line in
               (ROOT / "benchmarks" / "data" / "posts.jsonl").read_text().splitlines() if line]
    records = [r for r in records if r.get("kind") in ("reply", "comment")]
    if SOCIAL_DEV.is_file():
        for line in SOCIAL_DEV.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if social_half(record["id"]) == TUNE and record.get("kind") in ("reply", "comment"):
                records.append(record)  # the odd half only: the even half measures
    return [s for r in records for s in _post_sentences(r)]


def write_data() -> list[dict[str, Any]]:
    """Write generated.jsonl; return every training example."""
    DATA.mkdir(parents=True, exist_ok=True)
    generated = generate()
    (DATA / "generated.jsonl").write_text(
        "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in generated), encoding="utf-8")
    handwritten = [json.loads(line) for path in sorted(DATA.glob("handwritten*.jsonl"))
                   for line in path.read_text(encoding="utf-8").splitlines() if line]
    return generated + handwritten + labelled_posts()


def train(examples: list[dict[str, Any]], model_dir: Path = MODEL_DIR,
          labels: tuple[str, ...] = LABELS, target: Path | None = None) -> None:
    """spacy train on the examples (90/10 split, seeded) with model_dir/config.cfg; copy the
    best model to `target` (model_dir/model). tools/train_patient.py trains with this too."""
    import spacy
    from spacy.tokens import DocBin

    from phiguard.detectors.shipped_models import WordTokenizer

    rng = random.Random(SEED)
    rng.shuffle(examples)
    cut = len(examples) // 10
    nlp = spacy.blank("en")
    nlp.tokenizer = WordTokenizer(nlp.vocab)
    with tempfile.TemporaryDirectory() as tmp:
        for name, part in (("dev", examples[:cut]), ("train", examples[cut:])):
            bin_ = DocBin()
            for example in part:
                doc = nlp.make_doc(example["text"])
                doc.cats = {label: float(example["label"] == label) for label in labels}
                bin_.add(doc)
            bin_.to_disk(Path(tmp) / f"{name}.spacy")
        subprocess.run([sys.executable, "-m", "spacy", "train", str(model_dir / "config.cfg"),
                        "--output", str(Path(tmp) / "out"), "--paths.train",
                        str(Path(tmp) / "train.spacy"), "--paths.dev",
                        str(Path(tmp) / "dev.spacy"), "--code", str(TOKENIZER_CODE)],
                       check=True)
        target = target or model_dir / "model"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(tmp) / "out" / "model-best", target)
    counts = {label: sum(e["label"] == label for e in examples) for label in labels}
    print(f"trained on {len(examples) - cut} examples, {cut} held out; {counts}")


def main() -> None:
    """Write the data and train unless --data-only."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-only", action="store_true")
    args = parser.parse_args()
    examples = write_data()
    if not args.data_only:
        train(examples)


if __name__ == "__main__":
    main()
