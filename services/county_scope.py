"""Which county an organisation belongs to, and which kommuner a länsstyrelse's county holds.

A länsstyrelse's file lists its kommuner by organisation key (`county.kommuner`); each kommun is described by its
own file, which may be loaded before or after the county's. A key whose kommun is not loaded yet is named, not
dropped: the county page shows it as not in Samverkan.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from samverkan.models import Organisation, OrganisationLink
from samverkan.models.enums import OrgKind
from samverkan.models.organisation import settings_section
from samverkan.orgconfig.categories import Vocabulary
from samverkan.services.errors import NotFoundError
from samverkan.services.overview import find_organisation


@dataclass(frozen=True)
class County:
    board: Organisation
    kommuner: list[Organisation]  # loaded, in the file's order
    missing: list[str]  # keys the file lists whose kommun is not loaded
    coordinator_key: str | None

    @property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary.from_settings(self.board.settings)

    def kommun(self, key: str) -> Organisation | None:
        return next((org for org in self.kommuner if org.key == key), None)


def county_keys(board: Organisation) -> list[str]:
    value = settings_section(board.settings, "county").get("kommuner")
    return [str(key) for key in value] if isinstance(value, list) else []


def county_of_board(session: Session, board: Organisation) -> County:
    """The county of a länsstyrelse (NotFound for an organisation that is not one with a county file)."""
    if board.kind != OrgKind.LANSSTYRELSE or not county_keys(board):
        raise NotFoundError(f"{board.name} är ingen länsstyrelse med ett län i Samverkan")
    keys = county_keys(board)
    loaded = {
        org.key: org
        for org in session.exec(
            select(Organisation).where(col(Organisation.key).in_(keys), col(Organisation.config_hash).is_not(None))
        ).all()
    }
    coordinator = settings_section(board.settings, "county").get("coordinator")
    return County(
        board,
        [loaded[key] for key in keys if key in loaded],
        [key for key in keys if key not in loaded],
        str(coordinator) if coordinator else None,
    )


def county(session: Session, board_key: str) -> County:
    return county_of_board(session, find_organisation(session, board_key))


def board_of(session: Session, org: Organisation) -> Organisation | None:
    """The länsstyrelse whose county lists the organisation, else the one its own file names as county board."""
    boards = session.exec(select(Organisation).where(Organisation.kind == OrgKind.LANSSTYRELSE)).all()
    for board in sorted(boards, key=lambda b: b.key):
        if org.key in county_keys(board):
            return board
    link = session.exec(
        select(OrganisationLink).where(
            OrganisationLink.organisation_id == org.id, OrganisationLink.relation == "lansstyrelse"
        )
    ).first()
    return session.get(Organisation, link.member_id) if link is not None else None


def vocabulary_for(session: Session, org: Organisation) -> Vocabulary:
    """The organisation's own categories, else its county's, else the common list: one vocabulary per county
    so that the monthly analysis compares like with like."""
    if isinstance(org.settings.get("categories"), list):
        return Vocabulary.from_settings(org.settings)
    board = board_of(session, org)
    return Vocabulary.from_settings(board.settings if board is not None else {})
