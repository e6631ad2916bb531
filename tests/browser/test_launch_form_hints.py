"""The launch form says what each choice means before the job runs, and fits its defaults to the dataset."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_explains_targets_epochs_and_defaults(strict_page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    page = strict_page
    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    make_ready_dataset(alice, "sentiment", train=64)
    answers = make_ready_dataset(alice, "answers", train=40, task_kind="generation")
    # Target lengths as a worker measures them with a real T5 (no base model here to measure with).
    answers.token_stats = {"t5|512": {"target_histogram": {"max": 30}, "target_lengths": {"4": 30, "12": 8, "30": 2}}}
    answers.save(update_fields=["token_stats"])

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/new/")
    page.locator("#id_dataset").select_option(label="answers")
    expect(page.locator("#id_max_target_length")).to_have_value("30")
    expect(page.locator("#id_init")).to_have_value("vocab")
    # No label words to start from: class-label init is not offered for a generation dataset.
    expect(page.locator('#id_init option[value="class_labels"]')).to_be_disabled()
    target_hint = page.locator('[data-hint-for="max_target_length"]')
    expect(target_hint).to_have_text("Longest target: 30 tokens. 30 keeps every target whole.")
    page.locator("#id_max_target_length").fill("8")
    expect(target_hint).to_have_text("Longest target: 30 tokens. 8 cuts 10 of 40 targets.")

    page.locator("#id_batch_size").fill("8")
    page.locator("#id_max_steps").fill("50")
    expect(page.locator('[data-hint-for="max_steps"]')).to_have_text("10 epochs of 40 training rows.")

    page.get_by_role("button", name="20", exact=True).click()  # a preset, beside the field it sets
    expect(page.locator("#id_prompt_length")).to_have_value("20")
    expect(page.locator("#trainable-params")).to_contain_text("× ")


def test_the_base_model_choice_is_not_cut(page, asgi_server, alice, tiny_model_dir) -> None:
    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    make_ready_dataset(alice)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/new/")
    select = page.locator("#id_base_model")
    text_width = page.evaluate("""(el) => {
        const probe = document.createElement("span");
        probe.style.font = getComputedStyle(el).font;
        probe.textContent = el.options[el.selectedIndex].text;
        document.body.append(probe);
        const width = probe.getBoundingClientRect().width;
        probe.remove();
        return width;
    }""", select.element_handle())
    assert select.bounding_box()["width"] > text_width, re.escape("the option's text is wider than its box")


def test_it_warns_when_a_continued_prompt_had_other_labels(page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    sentiment = make_ready_dataset(alice, "sentiment")
    topics = make_ready_dataset(alice, "topics")
    topics.labels = ["sports", "world"]
    topics.save()
    job = cancel_job(launch_held(alice, sentiment, base_model, prompt_name="sentiment"))
    version = make_version(job.prompt, seed=1, accuracy=0.8, job=job)

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/new/")
    page.locator("#id_dataset").select_option(label="sentiment")
    page.locator("#id_continue_from").select_option(str(version.pk))
    warning = page.locator('[data-hint-for="continue_from"]')
    expect(warning).to_have_text("")
    page.locator("#id_dataset").select_option(label="topics")
    expect(warning).to_have_text("This version was trained with labels negative, positive; the dataset's are "
                                 "sports, world. The prompt will have to learn the new ones.")
