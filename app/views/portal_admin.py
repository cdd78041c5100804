"""Back-office of the parents' portal: its texts, the documents published to groups of
families, the consents and who accepted them, and the « Diagnostic portail » of an adult."""
import sqlalchemy as sa
from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.extensions import db
from app.links import external_url
from app.models import Consent, GroupDocument, School, SchoolClass, Service
from app.models.portal import PORTAL_TEXT_KEYS
from app.outcome import commit_or_refuse
from app.security import acting_user
from app.services import RuleViolation, audience, consents, documents, group_documents
from app.services import portal_diagnostic, portal_texts
from app.views.base import adult_or_404
from app.views.bookings import CheckboxesField
from app.views.forms import DocumentForm, show_problems

TEXT_LABELS = {
    "login": _l("Login page of the portal (read before signing in)"),
    "home": _l("Home page of the portal, once signed in"),
    "contact": _l("Contact box (on every page of the portal)"),
    "booking": _l("Bookings page of the portal, once signed in"),
}


class PortalTextsForm(FlaskForm):
    login = TextAreaField(TEXT_LABELS["login"])
    home = TextAreaField(TEXT_LABELS["home"])
    contact = TextAreaField(TEXT_LABELS["contact"])
    booking = TextAreaField(TEXT_LABELS["booking"])


class PortalConfigView(BaseView):
    """« Configuration du portail parent »: the four texts, saved together."""

    route_base = "/portal_config"
    default_view = "edit"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def edit(self):
        form = PortalTextsForm(data=None if _posted() else portal_texts.all_texts())
        if form.validate_on_submit():
            try:
                portal_texts.save_texts({key: form[key].data for key in PORTAL_TEXT_KEYS})
                db.session.commit()
                flash(_("Portal texts saved."), "success")
                return redirect(url_for("PortalConfigView.edit"))
            except RuleViolation as exc:
                db.session.rollback()
                show_problems(form, exc)
        try:
            portal_address = external_url("portal.login")
        except RuleViolation:
            portal_address = None
        return self.render_template("portal_admin/config.html", form=form,
                                    portal_address=portal_address,
                                    max_length=portal_texts.MAX_LENGTH,
                                    title=_("Portal configuration"))


def _posted() -> bool:
    return request.method == "POST"


# ---------------------------------------------------------------------------------------------
# Who a document or a consent is for


class ScopeFields(FlaskForm):
    audience = RadioField(_l("For"), choices=[
        ("everyone", _l("everyone (the whole software)")),
        ("groups", _l("some schools, classes or services"))], default="everyone")
    schools = CheckboxesField(_l("Schools"), coerce=int)
    classes = CheckboxesField(_l("Classes"), coerce=int)
    services = CheckboxesField(_l("Services"), coerce=int)

    def fill_choices(self):
        self.schools.choices = [(s.id, s.name) for s in db.session.scalars(
            sa.select(School).order_by(School.name))]
        self.classes.choices = [(c.id, str(c)) for c in db.session.scalars(
            sa.select(SchoolClass).join(School).order_by(School.name, SchoolClass.name)
            .options(sa.orm.contains_eager(SchoolClass.school)))]
        self.services.choices = [(s.id, s.name) for s in db.session.scalars(
            sa.select(Service).order_by(Service.name))]

    def show_scope(self, item):
        self.schools.data = [s.id for s in item.schools]
        self.classes.data = [c.id for c in item.classes]
        self.services.data = [s.id for s in item.services]
        self.audience.data = "groups" if (item.schools or item.classes or item.services) \
            else "everyone"

    def scope_args(self) -> dict:
        def rows(model, ids):
            return db.session.scalars(sa.select(model).where(model.id.in_(ids or []))).all()

        return dict(everyone=self.audience.data != "groups",
                    schools=rows(School, self.schools.data),
                    classes=rows(SchoolClass, self.classes.data),
                    services=rows(Service, self.services.data))


# ---------------------------------------------------------------------------------------------
# Group documents


class GroupDocumentForm(ScopeFields, DocumentForm):
    """A person's document form (file, name, description, portal dates) with a scope."""


def _get(model, pk):
    return db.session.get(model, pk) or abort(404)


class GroupDocumentView(BaseView):
    """« Liste des documents »: documents on the portal for every family or for groups."""

    route_base = "/group_documents"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        rows = db.session.scalars(sa.select(GroupDocument).options(
            sa.orm.selectinload(GroupDocument.schools),
            sa.orm.selectinload(GroupDocument.classes),
            sa.orm.selectinload(GroupDocument.services))
            .order_by(GroupDocument.uploaded_at.desc(), GroupDocument.id.desc())).all()
        return self.render_template("portal_admin/documents.html", documents=rows,
                                    scope_summary=audience.scope_summary,
                                    title=_("Group documents"))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        return self._form(None)

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        return self._form(_get(GroupDocument, pk))

    def _form(self, document):
        form = GroupDocumentForm(obj=None if _posted() else document)
        form.fill_choices()
        if document is not None and not _posted():
            form.show_scope(document)
        if form.validate_on_submit():
            values = dict(name=form.name.data, description=form.description.data,
                          portal_from=form.portal_from.data,
                          portal_until=form.portal_until.data, **form.scope_args())
            try:
                if document is None:
                    document = group_documents.publish(form.file.data,
                                                       uploaded_by_id=acting_user().id, **values)
                else:
                    group_documents.update(document, upload=form.file.data, **values)
                db.session.commit()
                flash(_("Document “%(name)s” saved.", name=document.name), "success")
                return redirect(url_for("GroupDocumentView.list"))
            except RuleViolation as exc:
                db.session.rollback()
                show_problems(form, exc)
        title = _("Add a group document") if document is None else \
            _("Edit the document “%(name)s”", name=document.name)
        return self.render_template("portal_admin/document_form.html", form=form,
                                    document=document, title=title)

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        document = _get(GroupDocument, pk)
        name = document.name
        commit_or_refuse(lambda: group_documents.delete(document),
                         _("Document “%(name)s” deleted.", name=name))
        return redirect(url_for("GroupDocumentView.list"))

    @expose("/download/<int:pk>")
    @has_access
    def download(self, pk):
        document = _get(GroupDocument, pk)
        return send_file(documents.path_of(document), mimetype=document.content_type,
                         as_attachment=True, download_name=documents.download_name(document))


# ---------------------------------------------------------------------------------------------
# Consents


class ConsentForm(ScopeFields):
    label = StringField(_l("Label (shown on the portal)"),
                        [InputRequired(message=_l("The label is required.")), Length(max=250)])
    description = TextAreaField(_l("Description"))
    valid_from = DateField(_l("Valid from"), [InputRequired(
        message=_l("Give the first day of validity."))])
    valid_until = DateField(_l("Valid until"), [Optional()])
    document = SelectField(_l("Linked document"), coerce=int, default=0)


class ConsentView(BaseView):
    """« Liste des consentements », with the number who accepted each."""

    route_base = "/consents"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        return self.render_template("portal_admin/consents.html", rows=consents.listing(),
                                    scope_summary=audience.scope_summary,
                                    title=_("Consents"))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        return self._form(None)

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        return self._form(_get(Consent, pk))

    def _form(self, consent):
        form = ConsentForm(obj=None if _posted() else consent)
        form.fill_choices()
        form.document.choices = [(0, _("— no document —"))] + [
            (d.id, d.name) for d in db.session.scalars(
                sa.select(GroupDocument).order_by(GroupDocument.name))]
        if consent is not None and not _posted():
            form.show_scope(consent)
            form.document.data = consent.document_id or 0
        if form.validate_on_submit():
            try:
                consent = consents.save(
                    consent, form.label.data, form.description.data, form.valid_from.data,
                    form.valid_until.data,
                    document=db.session.get(GroupDocument, form.document.data or 0),
                    **form.scope_args())
                db.session.commit()
                flash(_("Consent “%(label)s” saved.", label=consent.label), "success")
                return redirect(url_for("ConsentView.list"))
            except RuleViolation as exc:
                db.session.rollback()
                show_problems(form, exc)
        title = _("Add a consent") if consent is None else \
            _("Edit the consent “%(label)s”", label=consent.label)
        return self.render_template("portal_admin/consent_form.html", form=form, title=title)

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        consent = _get(Consent, pk)
        label = consent.label
        commit_or_refuse(lambda: consents.delete(consent),
                         _("Consent “%(label)s” deleted.", label=label))
        return redirect(url_for("ConsentView.list"))

    @expose("/acceptances/<int:pk>")
    @has_access
    def acceptances(self, pk):
        """« Liste des familles ayant validé un consentement »: name, first name, date."""
        consent = _get(Consent, pk)
        return self.render_template(
            "portal_admin/acceptances.html", consent=consent,
            acceptances=consents.acceptances(consent.id),
            title=_("Who accepted “%(label)s”", label=consent.label))


# ---------------------------------------------------------------------------------------------
# « Diagnostic portail »


class PortalDiagnosticView(BaseView):
    route_base = "/portal_diagnostic"
    default_view = "show"

    SECTIONS = {"access": _l("Access to the portal"), "billing": _l("Billing rules"),
                "children": _l("Children"), "closures": _l("Closure periods"),
                "consents": _l("Consents")}

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        adult = adult_or_404(pk)
        findings = portal_diagnostic.diagnose(adult)
        sections = {}
        for finding in findings:
            finding.url = self._fix_url(finding)
            sections.setdefault(finding.section, []).append(finding)
        return self.render_template(
            "portal_admin/diagnostic.html", adult=adult,
            sections=[(self.SECTIONS[key], sections[key]) for key in self.SECTIONS
                      if key in sections],
            blocking=sum(f.level == portal_diagnostic.BLOCKING for f in findings),
            title=_("Portal diagnostic — %(name)s", name=adult.full_name))

    def _fix_url(self, finding):
        """The fixing screen, for those who may open it."""
        if finding.fix is None:
            return None
        view, method, arguments = finding.fix
        if not self.appbuilder.sm.has_access(f"can_{method}", view):
            return None
        return url_for(f"{view}.{method}", **arguments)
