"""What the back-office ModelViews share."""
from flask import abort, flash, g, has_request_context, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.urltools import (
    get_filter_args,
    get_order_args,
    get_page_args,
    get_page_size_args,
)
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TimeField
from wtforms.validators import InputRequired

from app.extensions import db
from app.views.forms import show_problems
from app.services import RuleViolation, usage


class RefusedByRule(Exception):
    def __init__(self, violation: RuleViolation):
        super().__init__(violation.message)
        self.violation = violation


def adult_or_404(pk):
    """The adult of a page's address; another person or nothing is not found."""
    from app.models import Person

    adult = db.session.get(Person, pk)
    if adult is None or adult.kind != "adult":
        abort(404)
    return adult


def list_filter_args() -> dict:
    """The list filters of the request (`_flt_…`), carried to the pages a list's buttons open
    so that they act on the very list shown."""
    return {key: value for key, value in request.args.items() if key.startswith("_flt_")}


class RuleCheckedModelView(ModelView):
    """A ModelView whose writes go through the domain rules.

    `rule` is the service function that checks (and may normalise) an item before it is saved.
    A refusal shows the form again, with what was typed and the reason next to its field —
    where FAB alone would redirect and lose the input.
    """

    rule = None

    # FAB shows every related list on a record's page, whoever looks: only those the user may
    # list are shown (an activity leader on a child's page sees no guardians nor documents).
    @property
    def _related_views(self):
        views = self.get_init_inner_views()
        if not has_request_context():
            return views
        may = self.appbuilder.sm.has_access
        return [view for view in views if may("can_list", view.class_permission_name)]

    @_related_views.setter
    def _related_views(self, views):
        self.__dict__["_all_related_views"] = views

    def get_init_inner_views(self):
        """Every related view, as AppBuilder fills them in at start."""
        return self.__dict__.setdefault("_all_related_views", [])

    def _run_rule(self, func, *args):
        try:
            # The form's item is half-built: checking it must not flush it.
            with db.session.no_autoflush:
                return func(*args)
        except RuleViolation as exc:
            raise RefusedByRule(exc) from exc

    def _show_refusal(self, form, refused: RefusedByRule):
        db.session.rollback()
        # Every problem found is shown at once, each next to its field.
        show_problems(form, refused.violation)

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                try:
                    form.populate_obj(item)
                    self.pre_add(item)
                except RefusedByRule as refused:
                    self._show_refusal(form, refused)
                else:
                    self.datamodel.add(item)
                    self.post_add(item)
                    flash(self.add_row_message, "success")
                    g.marelle_saved_pk = self.datamodel.get_pk_value(item)
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _filter_args(self) -> dict:
        return list_filter_args()

    def _filtered_ids(self) -> list:
        """The ids of every row the list shows with the request's filters, all pages."""
        model = self.datamodel.obj
        filters = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filters, disallow_if_not_in_search=False)
        query = self.datamodel.apply_filters(
            db.session.query(model), filters.get_joined_filters(self._base_filters))
        return [row.id for row in query.with_entities(model.id)]

    def _saved_record_url(self):
        pk = g.pop("marelle_saved_pk", None)
        if pk is None or "can_show" not in self.base_permissions:
            return None
        return url_for(f"{self.__class__.__name__}.show", pk=pk)

    def post_add_redirect(self):
        """To the record just made, as one expects after « Enregistrer » (FAB went back in its
        page history, often to the home page); an add made from a record's related list
        (its filter in the address) goes back to that record."""
        shown = self._saved_record_url()
        if shown and not any(key.startswith("_flt_") for key in request.args):
            return redirect(shown)
        return super().post_add_redirect()

    def post_edit_redirect(self):
        shown = self._saved_record_url()
        back = self.get_redirect()
        if shown and back == self.appbuilder.get_url_for_index:
            return redirect(shown)
        return redirect(back)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        # The URL's "12" must be the key's 12: FAB's Unique validator compares them, and every
        # edit of a record with a unique column (a régie's code) answered « Existe déjà ».
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                try:
                    form.populate_obj(item)
                    self.pre_update(item)
                except RefusedByRule as refused:
                    self._show_refusal(form, refused)
                else:
                    self.datamodel.edit(item)
                    self.post_update(item)
                    flash(self.edit_row_message, "success")
                    g.marelle_saved_pk = pk
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            self.update_redirect()
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(
            item, filters={}, orders=get_order_args(), pages=get_page_args(),
            page_sizes=get_page_size_args(), widgets=widgets)

    def _delete(self, pk):
        """FAB's delete, where a record other rows still need is refused with what needs it
        (FAB would flash the empty text of its database exception)."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
        except (RuleViolation, RefusedByRule) as exc:
            flash(getattr(exc, "message", None) or str(exc), "danger")
            return
        except Exception as exc:  # FAB's convention: pre_delete refuses by raising a message
            flash(str(exc), "danger")
            return
        key = self.datamodel.get_pk_value(item)
        try:
            self.datamodel.delete(item)
        except DatabaseException:
            flash(usage.still_used_message(self.datamodel.obj, key), "danger")
            return
        self.post_delete(item)
        flash(self.delete_row_message, "success")
        self.update_redirect()

    def pre_add(self, item):
        if self.rule is not None:
            self._run_rule(type(self).rule, item)

    def pre_update(self, item):
        if self.rule is not None:
            self._run_rule(type(self).rule, item)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """FAB's show page, with the record itself handed to our templates' summary cards."""
        widgets = self._show(pk)
        item = self.datamodel.get(pk, self._base_filters)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            related_views=self._related_views, item=item, **self.show_context(item),
        )

    def show_context(self, item) -> dict:
        """More for the show template, where a view needs it."""
        return {}


def time_field(label):
    """FAB has no form field for TIME columns."""
    return TimeField(label, [InputRequired(message=_l("Give a time (HH:MM)."))], format="%H:%M")


def choice_field(label, choices):
    """A select with translated labels for a VARCHAR-enum column."""
    return SelectField(label, [InputRequired()], choices=choices)


def boolean_field(label):
    """FAB marks a NOT NULL boolean as required, so an unticked box would be refused."""
    return BooleanField(label)
