"""Schools, classes, levels, school years, enrollments and the new-school-year step."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired, Optional

import sqlalchemy as sa

from app.extensions import db
from app.formatting import short_date
from app.models import Enrollment, Level, Person, School, SchoolClass, SchoolYear
from app.services import RuleViolation, schooling
from app.services.calendar import today_in_town
from app.views.base import RuleCheckedModelView
from app.views.filters import PersonSearchInterface, person_search_fields


class SchoolYearView(RuleCheckedModelView):
    datamodel = SQLAInterface(SchoolYear)
    rule = schooling.check_school_year
    list_title = _l("School years")
    add_title = _l("Add a school year")
    edit_title = _l("Edit a school year")
    show_title = _l("School year")
    list_columns = add_columns = edit_columns = show_columns = ["label", "start_date", "end_date"]
    label_columns = {"label": _l("Label"), "start_date": _l("Start"), "end_date": _l("End")}
    formatters_columns = {"start_date": short_date, "end_date": short_date}
    base_order = ("start_date", "desc")


class LevelView(RuleCheckedModelView):
    datamodel = SQLAInterface(Level)
    list_title = _l("Levels")
    add_title = _l("Add a level")
    edit_title = _l("Edit a level")
    show_title = _l("Level")
    list_columns = add_columns = edit_columns = show_columns = ["rank", "code", "label"]
    label_columns = {"rank": _l("Order"), "code": _l("Code"), "label": _l("Label")}
    base_order = ("rank", "asc")


class SchoolClassView(RuleCheckedModelView):
    datamodel = SQLAInterface(SchoolClass)
    list_title = _l("Classes")
    add_title = _l("Add a class")
    edit_title = _l("Edit a class")
    show_title = _l("Class")
    list_columns = add_columns = edit_columns = show_columns = ["school", "name", "level"]
    label_columns = {"school": _l("School"), "name": _l("Class"), "level": _l("Level")}
    search_columns = ["school", "name", "level"]


class SchoolView(RuleCheckedModelView):
    datamodel = SQLAInterface(School)
    list_title = _l("Schools")
    add_title = _l("Add a school")
    edit_title = _l("Edit a school")
    show_title = _l("School")
    list_columns = add_columns = edit_columns = show_columns = ["name", "address_line"]
    label_columns = {"name": _l("Name"), "address_line": _l("Address")}
    related_views = [SchoolClassView]


class EnrollForm(FlaskForm):
    school_class = SelectField(_l("Class"), coerce=int)
    level = SelectField(_l("Level"), coerce=int)
    start_date = DateField(_l("From"), [InputRequired(message=_l("The start date is required."))])
    end_date = DateField(_l("Until"), [Optional()])


class EnrollmentView(RuleCheckedModelView):
    """Cursus: a person's classes over time. Enrolling closes the previous class."""

    datamodel = PersonSearchInterface(Enrollment)
    search_columns = ["person", "school_class", "start_date", "end_date"]
    search_form_extra_fields = person_search_fields(person=_l("Child"))
    list_title = _l("Schooling")
    list_columns = ["school_class", "level", "start_date", "end_date", "school_year"]
    label_columns = {"person": _l("Person"), "school_class": _l("Class"), "level": _l("Level"),
                     "start_date": _l("From"), "end_date": _l("Until"),
                     "school_year": _l("School year")}
    formatters_columns = {"start_date": short_date, "end_date": short_date}
    base_order = ("start_date", "desc")
    base_permissions = ["can_list", "can_delete", "can_enroll"]

    @expose("/enroll/<int:person_id>", methods=["GET", "POST"])
    @has_access
    def enroll(self, person_id):
        """“Inscrire un nouvel enfant dans sa classe” (or an adult in the Adultes group)."""
        person = db.session.get(Person, person_id) or abort(404)
        form = EnrollForm()
        # School by school, classes in school order (PS, MS, GS, CP … CM2), then by name.
        classes = db.session.scalars(
            sa.select(SchoolClass).join(School).outerjoin(Level, Level.id == SchoolClass.level_id)
            .options(sa.orm.contains_eager(SchoolClass.school))
            .order_by(School.name, Level.rank.is_(None), Level.rank, SchoolClass.name)).all()
        # Groups without a level, such as « Adultes », are where adults are enrolled.
        adults_group = [c for c in classes if c.level_id is None]
        if person.kind == "adult":
            form.school_class.choices = [(c.id, str(c)) for c in adults_group + [
                c for c in classes if c not in adults_group]]
        else:
            # A child is never put in the Adultes group by default: the class is chosen.
            form.school_class.choices = [(0, _("— choose the class —"))] + [
                (c.id, str(c)) for c in classes if c not in adults_group] + [
                (c.id, str(c)) for c in adults_group]
        if request.method == "GET":
            form.start_date.data = today_in_town()
        form.level.choices = [(0, _("level of the class"))] + [
            (lv.id, lv.code) for lv in db.session.scalars(sa.select(Level).order_by(Level.rank))]
        if form.validate_on_submit():
            try:
                schooling.enroll(person, db.session.get(SchoolClass, form.school_class.data or 0),
                                 form.start_date.data,
                                 level=db.session.get(Level, form.level.data or 0),
                                 end_date=form.end_date.data)
                db.session.commit()
                flash(_("%(name)s enrolled.", name=person.full_name), "success")
                view = "AdultView" if person.kind == "adult" else "ChildView"
                return redirect(url_for(f"{view}.show", pk=person.id))
            except RuleViolation as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        return self.render_template("schooling/enroll.html", form=form, person=person,
                                    history=schooling.class_history(person.id),
                                    title=_("Enroll %(name)s in a class", name=person.full_name))


class NewYearForm(FlaskForm):
    from_year = SelectField(_l("Current school year"), coerce=int)
    to_year = SelectField(_l("New school year"), coerce=int)


class NewSchoolYearView(BaseView):
    """Move every enrolled child to the next level for the coming year, after a preview in
    which leavers and repeaters are set apart."""

    route_base = "/new-school-year"
    default_view = "preview"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def preview(self):
        years = db.session.scalars(sa.select(SchoolYear).order_by(SchoolYear.start_date)).all()
        form = NewYearForm(request.values, meta={"csrf": False})
        form.from_year.choices = form.to_year.choices = [(y.id, y.label) for y in years]
        moves, from_year, to_year = [], None, None
        if len(years) >= 2 and form.from_year.data and form.to_year.data:
            from_year = db.session.get(SchoolYear, form.from_year.data)
            to_year = db.session.get(SchoolYear, form.to_year.data)
            try:
                moves = schooling.new_year_preview(from_year, to_year)
            except RuleViolation as exc:
                flash(exc.message, "danger")
        return self.render_template("schooling/new_year.html", form=form, moves=moves,
                                    from_year=from_year, to_year=to_year, years=years,
                                    title=_("New school year"))

    @expose("/apply", methods=["POST"])
    @has_access
    def apply(self):
        from_year = db.session.get(SchoolYear, int(request.form["from_year"]))
        to_year = db.session.get(SchoolYear, int(request.form["to_year"]))
        exceptions = {int(key.split("_", 1)[1]): value for key, value in request.form.items()
                      if key.startswith("decision_") and value in ("repeat", "leave", "promote")}
        try:
            counts = schooling.apply_new_year(from_year, to_year, exceptions)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("NewSchoolYearView.preview"))
        flash(_("New school year %(year)s: %(promote)s moved up, %(repeat)s repeating, "
                "%(leave)s leaving.", year=to_year.label, **counts), "success")
        return redirect(url_for("SchoolClassView.list"))
