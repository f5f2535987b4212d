"""moderation: trust, flags, review queue, sanctions, audit log, watched words, house rules

Existing rows get defaults from the server (level 0, unlocked, no flags), so the upgrade
works on a populated database.

Revision ID: 0003_moderation
Revises: 0002
Create Date: 2026-12-06 20:04:57.839014

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0003_moderation'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('watched_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pattern', sa.String(length=200), nullable=False),
    sa.Column('is_regex', sa.Boolean(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watched_words')),
    sa.UniqueConstraint('pattern', name=op.f('uq_watched_words_pattern'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_audit_log_target_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_action_id', ['action', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_target_user_id_id', ['target_user_id', 'id'], unique=False)

    op.create_table('house_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_house_rules_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_house_rules')),
    sa.UniqueConstraint('locale', name=op.f('uq_house_rules_locale'))
    )
    op.create_table('recent_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('shingles', sa.JSON(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recent_posts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recent_posts'))
    )
    with op.batch_alter_table('recent_posts', schema=None) as batch_op:
        batch_op.create_index('ix_recent_posts_user_id_created', ['user_id', 'created_at'], unique=False)

    op.create_table('sanctions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('vote_fraud', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sanctions_created_by_id_users')),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_sanctions_lifted_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sanctions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanctions'))
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index('ix_sanctions_user_id_created', ['user_id', 'created_at'], unique=False)

    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('open_key', sa.String(length=24), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('flag_weight', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_review_items_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_review_items_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['subject_user_id'], ['users.id'], name=op.f('fk_review_items_subject_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_review_items_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
    sa.UniqueConstraint('open_key', name=op.f('uq_review_items_open_key'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index('ix_review_items_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_review_items_thread_id', ['thread_id'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('review_item_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('upheld', sa.Boolean(), nullable=True),
    sa.CheckConstraint('(thread_id IS NULL) <> (answer_id IS NULL)', name=op.f('ck_flags_one_target')),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_flags_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_item_id'], ['review_items.id'], name=op.f('fk_flags_review_item_id_review_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_flags_thread_id_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_flags_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
    sa.UniqueConstraint('user_id', 'answer_id', name='uq_flags_user_answer'),
    sa.UniqueConstraint('user_id', 'thread_id', name='uq_flags_user_thread')
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index('ix_flags_review_item_id', ['review_item_id'], unique=False)
        batch_op.create_index('ix_flags_user_id', ['user_id'], unique=False)

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=500), nullable=True))

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('is_locked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_pinned', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trust_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('trust_level_locked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('flags_upheld', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('flags_dismissed', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('silenced_until', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspended_until', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sanction_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('last_sanction_at', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', app.models.types.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('last_sanction_at')
        batch_op.drop_column('sanction_reason')
        batch_op.drop_column('suspended_until')
        batch_op.drop_column('silenced_until')
        batch_op.drop_column('flags_dismissed')
        batch_op.drop_column('flags_upheld')
        batch_op.drop_column('trust_level_locked')
        batch_op.drop_column('trust_level')

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('is_pinned')
        batch_op.drop_column('is_locked')
        batch_op.drop_column('hidden_reason')

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('hidden_reason')

    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_user_id')
        batch_op.drop_index('ix_flags_review_item_id')

    op.drop_table('flags')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index('ix_review_items_thread_id')
        batch_op.drop_index('ix_review_items_status_created')

    op.drop_table('review_items')
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index('ix_sanctions_user_id_created')

    op.drop_table('sanctions')
    with op.batch_alter_table('recent_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_recent_posts_user_id_created')

    op.drop_table('recent_posts')
    op.drop_table('house_rules')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_target_user_id_id')
        batch_op.drop_index('ix_audit_log_actor_id_id')
        batch_op.drop_index('ix_audit_log_action_id')

    op.drop_table('audit_log')
    op.drop_table('watched_words')
