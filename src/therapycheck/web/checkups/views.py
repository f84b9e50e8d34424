"""Check-up pages: start or resume, one screen per step, results, and a print view."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from therapycheck.core import plan as core_plan
from therapycheck.core import safety as core_safety
from therapycheck.core.instruments import get_instrument
from therapycheck.core.result import StoredResult
from therapycheck.web.accounts.current import current_person
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import misconduct_found
from therapycheck.web.checkups import presenters, quick, services, wizard
from therapycheck.web.checkups.forms import AddScoresForm
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.tracking.models import MAX_SESSION

NAV_NEXT = "next"
NAV_BACK = "back"
NAV_LATER = "later"
NAV_SKIP_MEASURE = "skip_measure"
NAV_REUSE = "reuse_checkin"  # use a recent check-in's answers (services.recent_checkin)
# Larger ids cannot exist (64-bit keys) and would overflow the database driver.
MAX_PK = 2**63 - 1


def _owned(request: HttpRequest, pk: int) -> Checkup:
    if pk > MAX_PK:
        raise Http404("No such check-up.")
    return get_object_or_404(Checkup, pk=pk, person=current_person(request)).normalize()


def step_url(checkup: Checkup, key: str) -> str:
    kind, _, ref = key.partition(":")
    return reverse("checkups:step", args=[checkup.pk, kind, ref])


def resume_url(checkup: Checkup) -> str:
    """Where an unfinished check-up picks up: the saved screen, or the first one."""
    steps = wizard.steps_for(checkup.answers or {})
    index = wizard.find_step(steps, checkup.current_section)
    key = steps[index].key if index is not None else steps[0].key
    return step_url(checkup, key)


# --- start or resume ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    error = ""
    if request.method == "POST":
        try:
            return _start_action(request, person)
        except (services.TooManyCheckups, _StartError) as exc:
            error = str(exc)
    unfinished = services.in_progress(person)
    context = {
        "unfinished": unfinished,
        "unfinished_step": _step_title(unfinished) if unfinished else "",
        "unfinished_days": services.days_since(unfinished.updated_at) if unfinished else None,
        "done": [presenters.summary(c) for c in services.completed(person)],
        "error": error,
    }
    return render(request, "checkups/start.html", context, status=400 if error else 200)


def _start_action(request: HttpRequest, person: Person) -> HttpResponse:
    """Start, resume or restart (raises TooManyCheckups when a new one cannot be kept)."""
    action = request.POST.get("action", "")
    if action in {"start", "resume"}:
        return HttpResponseRedirect(resume_url(services.start_or_resume(person)))
    if action != "restart":
        raise _StartError("Please choose one of the buttons below.")
    if request.POST.get("confirm") != "yes":
        raise _StartError("To start again, tick the box to confirm that your saved answers can go.")
    checkup_id = _int_or_none(request.POST.get("checkup"))
    fresh = (
        services.restart(person, checkup_id)
        if checkup_id is not None
        else services.start_or_resume(person)
    )
    return HttpResponseRedirect(resume_url(fresh))


class _StartError(Exception):
    """A start-page form that cannot be acted on; the message says what to do."""


def _step_title(checkup: Checkup) -> str:
    steps = wizard.steps_for(checkup.answers or {})
    index = wizard.find_step(steps, checkup.current_section)
    return steps[index].title if index is not None else steps[0].title


def _int_or_none(raw: Any) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_PK else None


# --- one screen ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, pk: str, kind: str, ref: str) -> HttpResponse:
    checkup = _owned(request, int(pk))
    if checkup.is_completed:
        return HttpResponseRedirect(reverse("checkups:results", args=[checkup.pk]))
    if request.method == "POST":
        return _post_step(request, checkup.pk, f"{kind}:{ref}")
    steps = wizard.steps_for(checkup.answers or {})
    index = wizard.find_step(steps, f"{kind}:{ref}")
    if index is None:
        # A screen that no longer applies (an answer changed): go where they are.
        return HttpResponseRedirect(resume_url(checkup))
    step_ = steps[index]
    raw = (
        wizard.section_raw(checkup.answers, step_.ref)
        if step_.kind == "section"
        else wizard.measure_raw(checkup.answers, step_.ref)
    )
    added: list[str] = []
    if request.GET.get("more") == "1" and step_.kind == "section":
        added = wizard.unanswered_in(checkup.answers, step_.ref)
    notice = "added" if added else ""
    if request.GET.get("more") == "1" and step_.kind == "measure":
        notice = "more_items"
    return _render_step(request, checkup, steps, index, raw=raw, notice=notice, added=added)


def _post_step(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    with transaction.atomic():
        person = current_person(request)
        checkup = get_object_or_404(
            Checkup.objects.select_for_update(), pk=pk, person=person
        ).normalize()
        if checkup.is_completed:
            return HttpResponseRedirect(reverse("checkups:results", args=[checkup.pk]))
        steps = wizard.steps_for(checkup.answers or {})
        index = wizard.find_step(steps, key)
        if index is None:
            return HttpResponseRedirect(resume_url(checkup))
        step_ = steps[index]
        nav = request.POST.get("nav", NAV_NEXT)
        if nav == NAV_REUSE and step_.kind == "measure":
            return _reuse_checkin(request, checkup, steps, index)
        sub = _read(checkup, step_, request.POST, nav)
        if request.POST.get("version") != str(checkup.version):
            return _stale(request, checkup, steps, index, sub)
        if not sub.ok and nav == NAV_NEXT:
            _save_valid(checkup, step_, sub, current=step_.key)
            return _render_step(request, checkup, steps, index, raw=sub.raw, errors=sub.errors)
        _save_valid(checkup, step_, sub, current=step_.key)
        return _navigate(checkup, step_, nav)


def _reuse_checkin(
    request: HttpRequest, checkup: Checkup, steps: list[wizard.Step], index: int
) -> HttpResponse:
    """Put a recent check-in's answers into this questionnaire, found again here (never
    from the form), with the session they belong to so the core does not count them twice."""
    step_ = steps[index]
    recent = services.recent_checkin(checkup.person, step_.ref, timezone.localdate())
    if recent is None:
        raw = wizard.measure_raw(checkup.answers, step_.ref)
        return _render_step(request, checkup, steps, index, raw=raw, notice="reuse_gone")
    doc = dict(checkup.answers or {})
    doc["measures"] = {**wizard.measures_of(doc), step_.ref: list(recent.answers)}
    doc["measured_at"] = {**services.measured_at(doc), step_.ref: int(recent.session_number)}
    services.save(checkup, doc, step_.key)
    services.raise_safety_if_needed(checkup, _safety(checkup))
    return _navigate(checkup, step_, NAV_NEXT)


def _read(checkup: Checkup, step_: wizard.Step, data: Any, nav: str) -> wizard.Submission:
    if step_.kind == "section":
        return wizard.read_section(checkup.answers, step_.ref, data)
    if nav == NAV_SKIP_MEASURE:
        return wizard.Submission()
    # Going back or saving for later keeps a questionnaire only when it is complete.
    return wizard.read_measure(step_.ref, data, partial=nav != NAV_NEXT, doc=checkup.answers)


def _save_valid(checkup: Checkup, step_: wizard.Step, sub: wizard.Submission, current: str) -> None:
    doc = dict(checkup.answers or {})
    if step_.kind == "section":
        doc = wizard.apply_values(doc, sub.values)
    else:
        measures = wizard.measures_of(doc)
        if sub.measure is not None:
            if measures.get(step_.ref) != sub.measure:
                # Answers changed from a check-in's: they are today's answers now.
                doc["measured_at"] = _without(services.measured_at(doc), step_.ref)
            measures[step_.ref] = sub.measure
        doc["measures"] = measures
    services.save(checkup, doc, current)
    services.raise_safety_if_needed(checkup, _safety(checkup))


def _navigate(checkup: Checkup, step_: wizard.Step, nav: str) -> HttpResponse:
    if nav == NAV_LATER:
        return HttpResponseRedirect(reverse("checkups:start") + "?saved=1")
    if step_.kind == "measure" and nav == NAV_SKIP_MEASURE:
        doc = dict(checkup.answers)
        doc["measures"] = _without(wizard.measures_of(doc), step_.ref)
        doc["measured_at"] = _without(services.measured_at(doc), step_.ref)
        services.save(checkup, doc, step_.key)
    steps = wizard.steps_for(checkup.answers)
    index = wizard.find_step(steps, step_.key)
    if index is None:
        return HttpResponseRedirect(resume_url(checkup))
    if nav == NAV_BACK:
        target = steps[max(index - 1, 0)].key
        services.save(checkup, checkup.answers, target)
        return HttpResponseRedirect(step_url(checkup, target))
    if step_.kind == "section" and wizard.unanswered_in(checkup.answers, step_.ref):
        # An answer on this screen opened a follow-up question on the same screen.
        return HttpResponseRedirect(step_url(checkup, step_.key) + "?more=1")
    if step_.kind == "measure" and wizard.measure_needs_more(checkup.answers, step_.ref):
        # A positive PHQ-2 or GAD-2: the rest of the PHQ-9 or GAD-7 on the same screen.
        return HttpResponseRedirect(step_url(checkup, step_.key) + "?more=1")
    if index + 1 >= len(steps):
        services.finish(checkup)
        return HttpResponseRedirect(reverse("checkups:results", args=[checkup.pk]))
    target = steps[index + 1].key
    services.save(checkup, checkup.answers, target)
    return HttpResponseRedirect(step_url(checkup, target))


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def _stale(
    request: HttpRequest,
    checkup: Checkup,
    steps: list[wizard.Step],
    index: int,
    sub: wizard.Submission,
) -> HttpResponse:
    """A form from an older page: a repeat of what is saved moves on; anything else asks."""
    if sub.ok and _already_saved(checkup, steps[index], sub):
        return HttpResponseRedirect(resume_url(checkup))
    return _render_step(
        request, checkup, steps, index, raw=sub.raw, errors=sub.errors, notice="stale"
    )


def _already_saved(checkup: Checkup, step_: wizard.Step, sub: wizard.Submission) -> bool:
    doc = checkup.answers or {}
    if step_.kind == "measure":
        return sub.measure is not None and wizard.measures_of(doc).get(step_.ref) == sub.measure
    stored = wizard.answers_of(doc)
    return all(stored.get(qid) == value for qid, value in sub.values.items())


def _safety(checkup: Checkup) -> dict[str, Any]:
    return dict(services.live_report(checkup).get("safety") or {})


def _render_step(
    request: HttpRequest,
    checkup: Checkup,
    steps: list[wizard.Step],
    index: int,
    *,
    raw: dict[str, Any],
    errors: dict[str, str] | None = None,
    notice: str = "",
    added: list[str] | None = None,
) -> HttpResponse:
    step_ = steps[index]
    safety = _safety(checkup)
    context: dict[str, Any] = {
        "checkup": checkup,
        "step": step_,
        "number": index + 1,
        "total": len(steps),
        "is_first": index == 0,
        "is_last": index + 1 == len(steps),
        "safety": safety if safety.get("crisis") else None,
        "errors": presenters.error_list(errors or {}, checkup.answers, step_),
        "notice": notice,
        "action": step_url(checkup, step_.key),
    }
    if step_.kind == "section":
        context["questions"] = presenters.section_fields(
            checkup.answers, step_.ref, raw, errors or {}, added or []
        )
    else:
        shown = {i["name"] for i in wizard.shown_items(checkup.answers, step_.ref)}
        items = presenters.measure_fields(step_.ref, raw, errors or {})
        items = [item for item in items if item["name"] in shown or item["name"] in raw]
        for item in items:  # "Prefer not to say" on one item (checkups/_item.html)
            item["skip_checked"] = raw.get(item["name"]) == wizard.SKIP
        context["items"] = items
        all_items = len(wizard.measure_items(step_.ref))
        context["screen_first"] = len(items) < all_items
        context["screen_more"] = bool(notice == "more_items")
        context["instrument"] = presenters.instrument_info(step_.ref)
        context["reuse"] = _reuse_offer(checkup, step_.ref)
    status = 400 if errors else 200
    return render(request, "checkups/step.html", context, status=status)


def _reuse_offer(checkup: Checkup, instrument_id: str) -> dict[str, Any] | None:
    """A recent check-in of this questionnaire to use instead of answering again, or the
    one already in use."""
    today = timezone.localdate()
    in_use = services.measured_at(checkup.answers).get(instrument_id)
    recent = services.recent_checkin(checkup.person, instrument_id, today)
    if recent is None:
        return None
    return {
        "taken_on": recent.taken_on,
        "days_ago": (today - recent.taken_on).days,
        "session": recent.session_number,
        "total": recent.total,
        # A newer check-in than the one in use is offered again.
        "in_use": in_use == recent.session_number,
        # From the questionnaire's data: the PHQ-9 and GAD-7 ask about the last two weeks.
        "two_weeks": get_instrument(instrument_id).timeframe == "last 2 weeks",
    }


# --- results ---------------------------------------------------------------------------------


def results(request: HttpRequest, pk: int) -> HttpResponse:
    checkup = _owned(request, pk)
    if not checkup.is_completed:
        return HttpResponseRedirect(resume_url(checkup))
    result = checkup.stored_result()
    if result is None:
        return _unreadable(request, checkup)
    context = _results_context(checkup, result)
    context.update(_add_scores_context(checkup, None))
    return render(request, "checkups/results.html", context)


def _unreadable(request: HttpRequest, checkup: Checkup) -> HttpResponse:
    """A finished check-up whose stored result cannot be read (an odd import): say so."""
    return render(request, "checkups/unreadable.html", {"checkup": checkup})


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one check-up (asks first; only a POST deletes)."""
    done_url = reverse("checkups:start")
    checkup = Checkup.objects.filter(pk=min(pk, MAX_PK), person=current_person(request)).first()
    if checkup is None:
        if request.method == "POST":
            messages.info(request, "That check-up was already deleted.")
            return HttpResponseRedirect(done_url)
        raise Http404("No such check-up.")
    when = checkup.completed_at or checkup.started_at
    if request.method == "POST":
        checkup.delete()
        messages.success(request, f"The check-up of {when:%d %B %Y} was deleted.")
        return HttpResponseRedirect(done_url)
    kind = "check-up" if checkup.is_completed else "unfinished check-up"
    cancel = reverse("checkups:results", args=[checkup.pk]) if checkup.is_completed else done_url
    what = f"your {kind} of {when:%d %B %Y}, with its answers and results"
    return render(request, "tracking/confirm_delete.html", {"what": what, "cancel_url": cancel})


@require_http_methods(["GET", "POST"])
def add_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the check-up's questionnaire scores as progress entries (POST only)."""
    checkup = _owned(request, pk)
    results_url = reverse("checkups:results", args=[checkup.pk])
    if request.method != "POST" or not checkup.is_completed:
        # A GET (a bookmark, a reload) changes nothing: show the results page.
        return HttpResponseRedirect(results_url)
    if checkup.scores_added_session is not None:
        # A repeated or second-tab submit after success: nothing to do twice.
        _tell(request, services.AddedScores((), checkup.scores_added_session, already=True))
        return HttpResponseRedirect(results_url)
    form = AddScoresForm(request.POST)
    if form.is_valid():
        session_number = form.cleaned_data["session_number"]
        try:
            added = services.add_scores_to_progress(
                checkup, session_number=session_number, taken_on=form.cleaned_data["taken_on"]
            )
        except services.SessionTaken as exc:
            form.add_error("session_number", _taken_message(exc))
        else:
            _tell(request, added)
            return HttpResponseRedirect(results_url)
    result = checkup.stored_result()
    if result is None:
        return _unreadable(request, checkup)
    context = _results_context(checkup, result)
    context.update(_add_scores_context(checkup, form))
    return render(request, "checkups/results.html", context, status=400)


def _taken_message(exc: services.SessionTaken) -> str:
    return (
        f"You already have {services.join_names(exc.names)} saved for session "
        f"{exc.session_number}, so nothing was added. Choose another session number, or "
        "change the saved entry on the Measures page."
    )


def _tell(request: HttpRequest, added: services.AddedScores) -> None:
    names = services.join_names(added.names)
    if added.already:
        messages.info(
            request,
            f"These scores are already in your progress as session {added.session_number}. "
            "Nothing new was added.",
        )
    elif not added.names:
        messages.info(request, "This check-up has no questionnaire answers to add.")
    else:
        messages.success(
            request, f"Added {names} to your progress as session {added.session_number}."
        )


def _add_scores_context(checkup: Checkup, form: AddScoresForm | None) -> dict[str, Any]:
    scores = services.scores_to_add(checkup)
    names = services.short_names(i for i, _ in scores)
    offer = bool(scores) and checkup.scores_added_session is None
    if offer and form is None:
        form = AddScoresForm.prefilled(services.suggested_session(checkup, MAX_SESSION))
    return {
        "add_form": form if offer else None,
        "add_names": services.join_names(names),
        "scores_added_session": checkup.scores_added_session,
    }


def print_view(request: HttpRequest, pk: int) -> HttpResponse:
    checkup = _owned(request, pk)
    if not checkup.is_completed:
        raise Http404("This check-up is not finished yet.")
    result = checkup.stored_result()
    if result is None:
        return _unreadable(request, checkup)
    return render(request, "checkups/print.html", _results_context(checkup, result))


def _results_context(checkup: Checkup, result: StoredResult) -> dict[str, Any]:
    earlier = services.completed(checkup.person)
    # Made once per page, for the person's country today; every part of the page uses it.
    safety = presenters.current_safety(checkup, checkup.person.country)
    return {
        "checkup": checkup,
        "page_safety": safety,
        "result": presenters.result_view(
            result,
            wizard.answers_of(checkup.answers),
            safety,
            from_check_in=services.measured_at(checkup.answers),
        ),
        "comparison": presenters.comparison_view(services.compare(checkup, earlier)),
        "earlier": [presenters.summary(c) for c in earlier if c.pk != checkup.pk],
    }


# --- the quick check ---------------------------------------------------------------------


def _ask_country(person: Person) -> bool:
    """As the site-wide prompt does: unknown country, and not "Other" chosen on purpose."""
    unknown = core_safety.normalize_country(person.country) == core_safety.DEFAULT_COUNTRY
    return unknown and not person.country_chosen


@require_http_methods(["GET", "POST"])
def quick_check(request: HttpRequest) -> HttpResponse:
    """Page 1 of the quick check: safety, two short screens, the relationship, progress."""
    person = current_person(request)
    if request.method == "POST":
        ask_country = _ask_country(person)
        countries = {code for code, _ in core_safety.countries()}
        form = quick.read_first(request.POST, ask_country=ask_country, countries=countries)
        if form.ok:
            try:
                return _save_quick(person, form)
            except services.TooManyCheckups as exc:
                form.errors["quick"] = str(exc)
        context = quick_form_context(request, person, form.raw, form.errors)
        return render(request, "checkups/quick.html", context, status=400)
    return render(request, "checkups/quick.html", quick_form_context(request, person))


def quick_form_context(
    request: HttpRequest,
    person: Person,
    raw: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the quick-check form needs (its page, and the home page, which starts with it)."""
    ask_country = _ask_country(person)
    errors = errors or {}
    if raw is None:
        unfinished = services.in_progress(person)
        doc = unfinished.answers if unfinished is not None else {}
        raw = {}
        for q in quick.questions():
            raw.update(wizard.section_raw(doc, q.section))
        for measure in _quick_measures():
            raw.update(quick.item_raw(doc, measure.full))
    return {
        "questions": quick.question_fields(raw, errors),
        "screens": [
            {
                "measure": m,
                "instrument": get_instrument_info(m.full),
                "items": quick.item_fields(quick.screen_items(m), raw, errors),
            }
            for m in _quick_measures()
        ],
        "quick_country": ask_country,
        # The form asks the country itself: no second, site-wide prompt above it.
        "country_prompt_in_page": ask_country,
        "countries": core_safety.countries(),
        "country_value": raw.get(quick.COUNTRY_FIELD, ""),
        "country_error": errors.get(quick.COUNTRY_FIELD, ""),
        "form_error": errors.get("quick", ""),
        "errors": [
            {"href": f"#f-{name.removeprefix(wizard.Q_PREFIX)}", "message": message}
            for name, message in errors.items()
            if name != "quick"
        ],
    }


def _quick_measures() -> list[Any]:
    from therapycheck.core.checkup.bank import question_bank

    return list(question_bank().quick.measures)


def get_instrument_info(instrument_id: str) -> dict[str, Any]:
    inst = get_instrument(instrument_id)
    return {
        "id": inst.id,
        "name": inst.name,
        "short_name": inst.short_name,
        "instructions": inst.instructions,
    }


def _save_quick(person: Person, form: quick.QuickForm) -> HttpResponse:
    if form.country is not None:
        person.country = form.country
        person.country_chosen = True
        person.save(update_fields=["country", "country_chosen"])
    with transaction.atomic():
        checkup = services.start_or_resume(person)
        doc = quick.save_first(dict(checkup.answers or {}), form)
        services.save(checkup, doc, checkup.current_section)
        services.raise_safety_if_needed(checkup, _safety(checkup))
    if quick.positive_screens(checkup.answers):
        return HttpResponseRedirect(reverse("checkups:quick_more", args=[checkup.pk]))
    return HttpResponseRedirect(reverse("checkups:quick_answer", args=[checkup.pk]))


@require_http_methods(["GET", "POST"])
def quick_more(request: HttpRequest, pk: int) -> HttpResponse:
    """Page 2, only when a short screen was positive: the rest of its full questionnaire."""
    checkup = _owned(request, pk)
    if checkup.is_completed:
        return HttpResponseRedirect(reverse("checkups:results", args=[checkup.pk]))
    positive = quick.positive_screens(checkup.answers)
    if not positive:
        return HttpResponseRedirect(reverse("checkups:quick_answer", args=[checkup.pk]))
    if request.method == "POST":
        doc = dict(checkup.answers or {})
        for measure in positive:
            doc = quick.save_rest(doc, measure.full, quick.read_rest(measure, request.POST))
        services.save(checkup, doc, checkup.current_section)
        services.raise_safety_if_needed(checkup, _safety(checkup))
        return HttpResponseRedirect(reverse("checkups:quick_answer", args=[checkup.pk]))
    raw: dict[str, Any] = {}
    for measure in positive:
        raw.update(quick.item_raw(checkup.answers, measure.full))
    context = {
        "checkup": checkup,
        "screens": [
            {
                "measure": m,
                "instrument": get_instrument_info(m.full),
                "items": quick.item_fields(quick.rest_items(m), raw, {}),
            }
            for m in positive
        ],
    }
    return render(request, "checkups/quick_more.html", context)


def quick_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The first answer: the core's evaluation and plan on the answers given so far."""
    from therapycheck.core.report import checkup_report

    checkup = _owned(request, pk)
    doc = services.document_for(checkup)
    person = checkup.person
    report = checkup_report(
        doc,
        country=person.country,
        today=timezone.localdate(),
        models=services.expected_models(doc),
        # The quick check has no boundaries questions: an earlier finding still holds.
        avoid_therapist=(misconduct_before := misconduct_found(person)),
    )
    services.raise_safety_if_needed(checkup, report.plan.safety.to_dict())
    findings = report.findings
    top = findings[0] if findings else None
    actions = report.plan.actions
    first = actions[0] if actions else None
    context = {
        "checkup": checkup,
        "safety_first": report.plan.safety.crisis,
        "safety_item_skipped": bool(report.evaluation.safety_items_skipped),
        "misconduct_before": misconduct_before,
        "top": (
            {"label": core_plan.factor_label(top.factor), "why": list(top.why)}
            if top is not None
            else None
        ),
        "also": [core_plan.factor_label(f.factor) for f in findings[1:3]],
        "step": (
            {
                "title": first.title,
                "when": core_plan.WHEN_LABELS.get(first.when, ""),
                "steps": list(first.steps[:3]),
            }
            if first is not None
            else None
        ),
        "scores": [
            {
                "name": sc.instrument.short_name,
                # The skipped safety item has its own box on this page.
                "lines": [
                    line for line in sc.interpretations if "tell us you are safe" not in line
                ],
            }
            for sc in report.evaluation.measures.values()
        ]
        + [
            {"name": get_instrument(i).short_name, "lines": [why]}
            for i, why in report.evaluation.unscored.items()
        ],
        "continue_url": resume_url(checkup),
    }
    return render(request, "checkups/quick_answer.html", context)
