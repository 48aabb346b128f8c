"""Webhook ingress queue (bot/cluster/ingress.py): each update once, in order per chat, across replicas.

Revision ID: 0003
Revises: 0002
Created: 2026-12-07 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('webhook_updates',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('leased_by', sa.String(length=80), nullable=True),
    sa.Column('lease_until', sa.Float(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('update_id')
    )
    op.create_index('ix_webhook_updates_chat', 'webhook_updates', ['chat_id', 'update_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_updates_chat', table_name='webhook_updates')
    op.drop_table('webhook_updates')
