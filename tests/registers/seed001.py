"""The rows of seed 001 as the published document gives them, read from the file itself."""

from dataclasses import dataclass
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "seeds" / "001_corporate_risk_register.txt"


@dataclass
class SeedRow:
    reference: str
    name: str
    description: str
    impact: str
    controls: str
    trends: tuple[str, str, str]
    rating: str


def seed_rows() -> list[SeedRow]:
    rows = []
    for line in SEED.read_text(encoding="utf-8").split("\n"):
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) == 9 and cells[0].startswith("CRR"):
            rows.append(SeedRow(*cells[:5], tuple(cells[5:8]), cells[8]))
    return rows
