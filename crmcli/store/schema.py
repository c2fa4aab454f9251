"""The tables of a crm book as SQLModel classes: the schema in one readable place.

The migrations in migrations/versions create exactly these tables (a test
compares them with alembic's autogenerate). Commands do not go through the
ORM: they run SQL over the stdlib driver for speed (see db.py), so this module
is imported only by tools, tests and new migrations, never on the hot path.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

DATE = sa.String(10)
STAMP = sa.String(32)


def _date(nullable: bool = True, index: bool = False):
    return Field(default=None, sa_column=sa.Column(DATE, nullable=nullable, index=index))


def _fk(target: str, ondelete: str, nullable: bool = True):
    return Field(default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable))


def _stamp(nullable: bool = False):
    return Field(default=None, sa_column=sa.Column(STAMP, nullable=nullable))


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    __table_args__ = (
        sa.Index("ix_customer_name_key", "name_key"),
        # The agenda ranks from this index alone (migrations 0003 and 0005, store/agenda.py);
        # SQLite keeps the id in every index, PostgreSQL only when told.
        sa.Index("ix_customer_agenda", "next_due", "snoozed_until", "tier", "agenda_weight", "every_days",
                 "follow_up_on", "owner", postgresql_include=["id"]),
        sa.Index("ix_customer_last_contact", "last_contact"),
        sa.Index("ix_customer_owner_next_due", "owner", "next_due"),
        # Customers per stage (0006); partial, so that only the ladder's count reads customers in stage order.
        sa.Index("ix_customer_stage_since", "stage", "since", sqlite_where=sa.text("stage IS NOT NULL"),
                 postgresql_where=sa.text("stage IS NOT NULL")),
        sa.Index("ix_customer_purchases", "purchase_count", "purchase_cents", "last_purchase",  # buyers (0007)
                 sqlite_where=sa.text("purchase_count > 0"), postgresql_where=sa.text("purchase_count > 0")),
        # The buyers by revenue with their names: the value report's rows in order, ties
        # included, read backwards (0008; the id before the name: 0010).
        sa.Index("ix_customer_revenue", "purchase_cents", "purchase_count", "last_purchase", "id", "name",
                 sqlite_where=sa.text("purchase_count > 0"), postgresql_where=sa.text("purchase_count > 0")),
        # The buyers by their last purchase: the value report's recency counted in order (0009).
        sa.Index("ix_customer_last_purchase", "last_purchase", "purchase_count",
                 sqlite_where=sa.text("purchase_count > 0"), postgresql_where=sa.text("purchase_count > 0")),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str  # name folded for matching (core/names.py)
    kind: str = Field(default="company", sa_column_kwargs={"server_default": "company"}, max_length=16)
    tier: str = Field(default="iron", sa_column_kwargs={"server_default": "iron"}, max_length=16)
    stage: str = Field(default="prospect", sa_column_kwargs={"server_default": "prospect"}, max_length=16)
    industry: str | None = None
    city: str | None = None
    phone: str | None = None
    email: str | None = None
    tags: str = Field(default="", sa_column_kwargs={"server_default": ""})
    every_days: int | None = None
    since: str | None = _date(nullable=False)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    owner: str = Field(default="", sa_column_kwargs={"server_default": ""})
    last_contact: str | None = _date()  # derived: latest logged or imported contact
    imported_last_contact: str | None = _date()
    next_due: str | None = _date()  # derived: core/cadence.py
    follow_up_on: str | None = _date()  # derived: the earliest open follow-up
    agenda_weight: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})  # derived: core/agenda.py
    snoozed_until: str | None = _date()
    created_at: str | None = _stamp()
    updated_at: str | None = _stamp()
    # derived (store/purchase_totals.py): lifetime revenue, purchases and the latest purchase date
    purchase_cents: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))
    purchase_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_purchase: str | None = _date()
    # derived, kept by triggers on stakeholder (0008, store/stakeholder_coverage.py): who the account rests on
    stakeholder_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    decision_makers: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    decision_maker_id: int | None = None  # the decision-maker with the deepest relationship
    decision_maker_level: str | None = Field(default=None, max_length=16)
    sole_stakeholder_id: int | None = None  # the stakeholder, when there is exactly one
    # the names the coverage advice quotes, kept by the same triggers (0009); SQLite also has the
    # expression index ix_customer_coverage (0009), which SQLAlchemy cannot reflect to compare
    sole_stakeholder_name: str | None = None
    sole_stakeholder_role: str | None = Field(default=None, max_length=16)
    decision_maker_name: str | None = None


class Stakeholder(SQLModel, table=True):
    __tablename__ = "stakeholder"
    __table_args__ = (
        sa.Index("ix_stakeholder_customer", "customer_id"),
        sa.Index("ix_stakeholder_name_key", "name_key"),
        sa.Index("ix_stakeholder_email_key", "email_key"),
        sa.Index("ix_stakeholder_phone_digits", "phone_digits"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = _fk("customer.id", "CASCADE", nullable=False)
    name: str
    name_key: str
    role: str | None = Field(default=None, max_length=16)
    level: str | None = Field(default=None, max_length=16)
    title: str | None = None
    department: str | None = None
    phone: str | None = None
    phone_digits: str | None = None
    email: str | None = None
    email_key: str | None = None
    im: str | None = None
    prefers: str | None = Field(default=None, max_length=16)
    best_time: str | None = None
    birthday: str | None = _date()
    every_days: int | None = None
    last_contact: str | None = _date()
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()
    updated_at: str | None = _stamp()


class Interaction(SQLModel, table=True):
    """A contact made: what `crm log` writes and `crm history` reads."""

    __tablename__ = "interaction"
    __table_args__ = (
        sa.Index("ix_interaction_customer_date", "customer_id", "date"),
        sa.Index("ix_interaction_stakeholder_date", "stakeholder_id", "date"),
        # Contacts per day, channel and purpose counted in index order (0004, reordered in 0008).
        sa.Index("ix_interaction_date_channel_purpose", "date", "channel", "purpose", "id"),
        # Partial (0004): a customer's latest survey score and open complaint in one probe.
        sa.Index("ix_interaction_customer_score", "customer_id", "date", "id", "score",
                 sqlite_where=sa.text("score IS NOT NULL"), postgresql_where=sa.text("score IS NOT NULL")),
        sa.Index("ix_interaction_customer_complaint", "customer_id", "date", "id", "purpose",
                 sqlite_where=sa.text("purpose IN ('complaint', 'resolved')"),
                 postgresql_where=sa.text("purpose IN ('complaint', 'resolved')")),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = _fk("customer.id", "CASCADE", nullable=False)
    stakeholder_id: int | None = _fk("stakeholder.id", "SET NULL")
    date: str | None = _date(nullable=False)
    channel: str | None = Field(default=None, max_length=16)
    purpose: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    feedback: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    score: int | None = None
    next_on: str | None = _date()
    next_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_up"
    __table_args__ = (sa.Index("ix_follow_up_customer_open", "customer_id", "done_at", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = _fk("customer.id", "CASCADE", nullable=False)
    stakeholder_id: int | None = _fk("stakeholder.id", "SET NULL")
    interaction_id: int | None = _fk("interaction.id", "SET NULL")
    due_on: str | None = _date(nullable=False)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    done_at: str | None = _date()
    done_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()


class StageChange(SQLModel, table=True):
    __tablename__ = "stage_change"
    __table_args__ = (
        sa.Index("ix_stage_change_customer_at_stage", "customer_id", "at", "id", "stage"),
        sa.Index("ix_stage_change_stage_at", "stage", "at"),
        # The ladder's moves of a period in group order (migration 0006, store/reports.py).
        sa.Index("ix_stage_change_moves", "from_stage", "stage", "from_days", "at", "customer_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = _fk("customer.id", "CASCADE", nullable=False)
    stage: str = Field(max_length=16)
    at: str | None = _date(nullable=False)
    # derived (store/stage_moves.py): the stage the change before this one set, and its days
    from_stage: str | None = Field(default=None, max_length=16)
    from_days: int | None = None
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()


class LevelChange(SQLModel, table=True):
    __tablename__ = "level_change"
    __table_args__ = (sa.Index("ix_level_change_stakeholder_at", "stakeholder_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    stakeholder_id: int | None = _fk("stakeholder.id", "CASCADE", nullable=False)
    level: str = Field(max_length=16)
    at: str | None = _date(nullable=False)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()


class Deal(SQLModel, table=True):
    __tablename__ = "deal"
    __table_args__ = (
        sa.Index("ix_deal_customer", "customer_id"),
        sa.Index("ix_deal_stage_close", "stage", "close_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = _fk("customer.id", "CASCADE", nullable=False)
    stakeholder_id: int | None = _fk("stakeholder.id", "SET NULL")
    title: str
    amount_cents: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    currency: str | None = Field(default=None, max_length=8)
    close_on: str | None = _date()
    stage: str = Field(default="lead", sa_column_kwargs={"server_default": "lead"}, max_length=16)
    intent: str | None = Field(default=None, max_length=8)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    closed_on: str | None = _date()
    lost_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()
    updated_at: str | None = _stamp()


class DealStageChange(SQLModel, table=True):
    __tablename__ = "deal_stage_change"
    __table_args__ = (sa.Index("ix_deal_stage_change_deal", "deal_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    deal_id: int | None = _fk("deal.id", "CASCADE", nullable=False)
    stage: str = Field(max_length=16)
    at: str | None = _date(nullable=False)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()


class Purchase(SQLModel, table=True):
    __tablename__ = "purchase"
    __table_args__ = (
        sa.Index("ix_purchase_customer_date_amount", "customer_id", "date", "amount_cents"),
        sa.Index("ix_purchase_date", "date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = _fk("customer.id", "CASCADE", nullable=False)
    deal_id: int | None = _fk("deal.id", "SET NULL")
    date: str | None = _date(nullable=False)
    amount_cents: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=False))
    currency: str | None = Field(default=None, max_length=8)
    product: str | None = None
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()


class Fact(SQLModel, table=True):
    """A dated fact about a customer (mileage, income, family…); every value kept."""

    __tablename__ = "fact"
    __table_args__ = (
        sa.Index("ix_fact_customer_key_at", "customer_id", "key", "at"),
        sa.Index("ix_fact_key_at", "key", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = _fk("customer.id", "CASCADE", nullable=False)
    stakeholder_id: int | None = _fk("stakeholder.id", "SET NULL")
    key: str
    value: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    number: float | None = None
    at: str | None = _date(nullable=False)
    created_at: str | None = _stamp()


class Segment(SQLModel, table=True):
    __tablename__ = "segment"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String, nullable=False, unique=True))
    definition: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: str | None = _stamp()


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"
    __table_args__ = (sa.Index("ix_import_batch_sha256", "sha256"),)
    id: int | None = Field(default=None, primary_key=True)
    file: str
    sha256: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    at: str | None = _stamp()
    created: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    skipped: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rejected: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    undone_at: str | None = _stamp(nullable=True)


class ImportItem(SQLModel, table=True):
    __tablename__ = "import_item"
    __table_args__ = (
        sa.Index("ix_import_item_batch", "batch_id"),
        sa.Index("ix_import_item_row", "table_name", "row_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int | None = _fk("import_batch.id", "CASCADE", nullable=False)
    table_name: str = Field(max_length=32)
    row_id: int
    action: str = Field(max_length=8)
    before: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class OwnerChange(SQLModel, table=True):
    __tablename__ = "owner_change"
    __table_args__ = (sa.Index("ix_owner_change_customer", "customer_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = _fk("customer.id", "CASCADE", nullable=False)
    owner: str
    at: str | None = _date(nullable=False)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: str | None = _stamp()


class NotDuplicate(SQLModel, table=True):
    """A pair the rep said is not a duplicate, so it is not offered again."""

    __tablename__ = "not_duplicate"
    __table_args__ = (sa.UniqueConstraint("kind", "a_id", "b_id", name="uq_not_duplicate_pair"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    a_id: int
    b_id: int
    created_at: str | None = _stamp()


metadata = SQLModel.metadata
