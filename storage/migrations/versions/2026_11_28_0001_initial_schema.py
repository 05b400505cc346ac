"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 05:02:26.275687"""

import sqlalchemy as sa
from alembic import op

import storage.base


revision: str = '0001'
down_revision: str | None = None


def upgrade() -> None:
    op.create_table('communities',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communities')),
    sa.UniqueConstraint('name', name=op.f('uq_communities_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_communities_slug'))
    )
    op.create_table('index_tasks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('practice_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_tasks'))
    )
    with op.batch_alter_table('index_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_tasks_claimed_until'), ['claimed_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_index_tasks_practice_id'), ['practice_id'], unique=False)

    op.create_table('organisations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('created_at', storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('name', name=op.f('uq_organisations_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_organisations_slug'))
    )
    op.create_table('people',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=True),
    sa.Column('organisation_id', sa.Uuid(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('profile_visibility', sa.String(length=20), nullable=False),
    sa.Column('created_at', storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_people_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('slug', name=op.f('uq_people_slug'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('practices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('situation', sa.Text(), nullable=False),
    sa.Column('target_group', sa.Text(), nullable=True),
    sa.Column('not_for', sa.Text(), nullable=True),
    sa.Column('goals', sa.Text(), nullable=True),
    sa.Column('approach', sa.Text(), nullable=False),
    sa.Column('working_elements', sa.Text(), nullable=True),
    sa.Column('results', sa.Text(), nullable=True),
    sa.Column('lessons', sa.Text(), nullable=True),
    sa.Column('preconditions', sa.Text(), nullable=True),
    sa.Column('costs', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('recognition_level', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=True),
    sa.Column('community_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_practices_community_id_communities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_practices_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practices')),
    sa.UniqueConstraint('slug', name=op.f('uq_practices_slug'))
    )
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practices_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_practices_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practices_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practices_recognition_level'), ['recognition_level'], unique=False)
        batch_op.create_index('ix_practices_status_visibility', ['status', 'visibility'], unique=False)

    op.create_table('community_members',
    sa.Column('community_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('joined_at', storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_community_members_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_community_members_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('community_id', 'person_id', name=op.f('pk_community_members'))
    )
    with op.batch_alter_table('community_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_members_person_id'), ['person_id'], unique=False)

    op.create_table('practice_authors',
    sa.Column('practice_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_practice_authors_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_authors_practice_id_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('practice_id', 'person_id', name=op.f('pk_practice_authors'))
    )
    with op.batch_alter_table('practice_authors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_authors_person_id'), ['person_id'], unique=False)

    op.create_table('practice_tags',
    sa.Column('practice_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_tags_practice_id_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('practice_id', 'kind', 'value', name=op.f('pk_practice_tags'))
    )
    with op.batch_alter_table('practice_tags', schema=None) as batch_op:
        batch_op.create_index('ix_practice_tags_kind_value', ['kind', 'value'], unique=False)

    op.create_table('practice_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('practice_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_versions_practice_id_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_versions')),
    sa.UniqueConstraint('practice_id', 'version', name=op.f('uq_practice_versions_practice_id'))
    )
    with op.batch_alter_table('practice_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_versions_practice_id'), ['practice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('practice_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_versions_practice_id'))

    op.drop_table('practice_versions')
    with op.batch_alter_table('practice_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_tags_kind_value')

    op.drop_table('practice_tags')
    with op.batch_alter_table('practice_authors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_authors_person_id'))

    op.drop_table('practice_authors')
    with op.batch_alter_table('community_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_members_person_id'))

    op.drop_table('community_members')
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.drop_index('ix_practices_status_visibility')
        batch_op.drop_index(batch_op.f('ix_practices_recognition_level'))
        batch_op.drop_index(batch_op.f('ix_practices_organisation_id'))
        batch_op.drop_index('ix_practices_created_at_id')
        batch_op.drop_index(batch_op.f('ix_practices_community_id'))

    op.drop_table('practices')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_organisation_id'))

    op.drop_table('people')
    op.drop_table('organisations')
    with op.batch_alter_table('index_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_tasks_practice_id'))
        batch_op.drop_index(batch_op.f('ix_index_tasks_claimed_until'))

    op.drop_table('index_tasks')
    op.drop_table('communities')
