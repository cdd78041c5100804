"""portal accounts, login links, portal texts, consents, group documents, outgoing e-mails;
a prepaid régie's portal overdraft setting

Revision ID: 608e5e5a6298
Revises: a1e7c5d2b846
Create Date: 2026-11-28 22:22:25.470149

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '608e5e5a6298'
down_revision = 'a1e7c5d2b846'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('regie') as batch_op:
        batch_op.add_column(sa.Column('portal_overdraft', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table('portal_text',
    sa.Column('key', sa.Enum('login', 'home', 'contact', 'booking', name='portal_text_key', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_portal_text'))
    )
    op.create_table('group_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_name', sa.String(length=64), nullable=False),
    sa.Column('portal_from', sa.Date(), nullable=True),
    sa.Column('portal_until', sa.Date(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['ab_user.id'], name=op.f('fk_group_document_uploaded_by_id_ab_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_document')),
    sa.UniqueConstraint('storage_name', name=op.f('uq_group_document_storage_name'))
    )
    op.create_table('login_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('invitation', 'password_reset', name='login_link_purpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_login_link_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_link_token_hash'))
    )
    with op.batch_alter_table('login_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_link_user_id'), ['user_id'], unique=False)

    op.create_table('outgoing_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=250), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('state', sa.Enum('queued', 'sent', 'failed', name='outgoing_email_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_outgoing_email_person_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_email'))
    )
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_email_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_email_recipient'), ['recipient'], unique=False)
        batch_op.create_index('ix_outgoing_email_state_created', ['state', 'created_at'], unique=False)

    op.create_table('portal_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_portal_account_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_portal_account_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_account')),
    sa.UniqueConstraint('person_id', name=op.f('uq_portal_account_person_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_portal_account_user_id'))
    )
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=250), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['group_document.id'], name=op.f('fk_consent_document_id_group_document'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent'))
    )
    op.create_table('group_document_school',
    sa.Column('group_document_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_document_id'], ['group_document.id'], name=op.f('fk_group_document_school_group_document_id_group_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_group_document_school_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_document_id', 'school_id', name=op.f('pk_group_document_school'))
    )
    op.create_table('group_document_school_class',
    sa.Column('group_document_id', sa.Integer(), nullable=False),
    sa.Column('school_class_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_document_id'], ['group_document.id'], name=op.f('fk_group_document_school_class_group_document_id_group_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_class_id'], ['school_class.id'], name=op.f('fk_group_document_school_class_school_class_id_school_class'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_document_id', 'school_class_id', name=op.f('pk_group_document_school_class'))
    )
    op.create_table('group_document_service',
    sa.Column('group_document_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_document_id'], ['group_document.id'], name=op.f('fk_group_document_service_group_document_id_group_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_group_document_service_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_document_id', 'service_id', name=op.f('pk_group_document_service'))
    )
    op.create_table('consent_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('adult_id', sa.Integer(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adult_id'], ['person.id'], name=op.f('fk_consent_acceptance_adult_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_consent_acceptance_consent_id_consent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_acceptance')),
    sa.UniqueConstraint('consent_id', 'adult_id', name=op.f('uq_consent_acceptance_consent_id'))
    )
    with op.batch_alter_table('consent_acceptance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_acceptance_adult_id'), ['adult_id'], unique=False)

    op.create_table('consent_school',
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_consent_school_consent_id_consent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_consent_school_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consent_id', 'school_id', name=op.f('pk_consent_school'))
    )
    op.create_table('consent_school_class',
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('school_class_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_consent_school_class_consent_id_consent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_class_id'], ['school_class.id'], name=op.f('fk_consent_school_class_school_class_id_school_class'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consent_id', 'school_class_id', name=op.f('pk_consent_school_class'))
    )
    op.create_table('consent_service',
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_consent_service_consent_id_consent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_consent_service_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consent_id', 'service_id', name=op.f('pk_consent_service'))
    )


def downgrade():
    with op.batch_alter_table('regie') as batch_op:
        batch_op.drop_column('portal_overdraft')
    op.drop_table('consent_service')
    op.drop_table('consent_school_class')
    op.drop_table('consent_school')
    with op.batch_alter_table('consent_acceptance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_acceptance_adult_id'))

    op.drop_table('consent_acceptance')
    op.drop_table('group_document_service')
    op.drop_table('group_document_school_class')
    op.drop_table('group_document_school')
    op.drop_table('consent')
    op.drop_table('portal_account')
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_email_state_created')
        batch_op.drop_index(batch_op.f('ix_outgoing_email_recipient'))
        batch_op.drop_index(batch_op.f('ix_outgoing_email_person_id'))

    op.drop_table('outgoing_email')
    with op.batch_alter_table('login_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_link_user_id'))

    op.drop_table('login_link')
    op.drop_table('group_document')
    op.drop_table('portal_text')
