"""The handler workspace through its URLs: who gets in, every action, bad input, query counts."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ester.cases import services
from ester.cases.choices import CaseChannel, CaseStatus, EventKind
from ester.cases.models import Case, CaseDocument, CaseEvent, ReturnRequest
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory

STAFF_SEEING_A = ("handler", "unit_manager", "head_of_area", "controller", "sysadmin")
BLIND_TO_A = ("handler_b", "contact_x", "contact_y", "outsider")
ACTIONS = ("note", "reply", "return", "assign", "hand-over", "close", "reopen", "void")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    """Documents stored by these tests go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case_type(city: Any) -> Any:
    return CaseTypeFactory(process=city.process, code="LEVMAN", name="Manuell leverantörsfaktura", resolution_hours=16)


def register(city: Any, case_type: Any, **kwargs: Any) -> Case:
    defaults = {
        "actor": None,
        "customer": city.customer_x,
        "case_type": case_type,
        "channel": CaseChannel.EMAIL,
        "sender_name": "Kim Kontakt",
        "subject": "Faktura 4711 att betala",
    }
    return services.case_register(**{**defaults, **kwargs})


@pytest.fixture
def case(city: Any, case_type: Any) -> Case:
    return register(city, case_type)


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- who gets in ------------------------------------------------------------------


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize("persona", [*STAFF_SEEING_A, "handler_b"])
    def test_staff_reach_the_workspace(self, city: Any, client: Client, persona: str) -> None:
        response = login(client, city.users[persona]).get(reverse("cases:workspace"))
        assert response.status_code == 200
        assert "Ta nästa" in response.content.decode() or persona == "controller"

    @pytest.mark.parametrize("persona", ["contact_x", "contact_y", "outsider"])
    def test_others_get_404_for_the_workspace_and_phone(self, city: Any, client: Client, persona: str) -> None:
        login(client, city.users[persona])
        for name in ("cases:workspace", "cases:phone"):
            assert client.get(reverse(name)).status_code == 404
            assert client.post(reverse(name)).status_code in (404, 405)
        assert client.post(reverse("cases:take-next")).status_code == 404

    def test_anonymous_is_sent_to_login(self, client: Client, case: Case) -> None:
        response = client.get(reverse("cases:detail", args=[case.pk]))
        assert response.status_code == 302 and "/login/" in response["Location"]

    @pytest.mark.parametrize("persona", STAFF_SEEING_A)
    def test_those_who_see_team_a_reach_its_case(self, city: Any, client: Client, case: Case, persona: str) -> None:
        response = login(client, city.users[persona]).get(reverse("cases:detail", args=[case.pk]))
        assert response.status_code == 200
        assert case.number in response.content.decode()

    @pytest.mark.parametrize("persona", BLIND_TO_A)
    def test_others_get_404_for_every_url_of_team_a_case(self, city: Any, client: Client, case: Case, persona: str) -> None:
        document = add_document(case)
        login(client, city.users[persona])
        urls = [reverse("cases:detail", args=[case.pk]), reverse("cases:document", args=[case.pk, document.pk])]
        urls += [reverse(f"cases:{action}", args=[case.pk]) for action in ACTIONS]
        for url in urls:
            assert client.get(url).status_code in (404, 405), url
            assert client.post(url, {"note-text": "hej", "void-reason": "x"}).status_code in (404, 405), url
        if persona == "handler_b":  # staff: the phone page does not find the case (its subject is never shown)
            assert case.subject not in client.get(reverse("cases:phone"), {"arende": case.number}).content.decode()
        case.refresh_from_db()
        assert case.status == CaseStatus.NEW and not case.events.filter(kind=EventKind.NOTE).exists()

    def test_blind_personas_never_see_team_a_cases_in_the_workspace(self, city: Any, client: Client, case: Case) -> None:
        for persona in ("handler_b",):
            body = login(client, city.users[persona]).get(reverse("cases:workspace"), {"ko": "alla"}).content.decode()
            assert case.number not in body
            response = client.get(reverse("cases:workspace"), {"q": case.number})
            assert response.status_code == 200 and case.subject not in response.content.decode()
            assert client.get(reverse("cases:workspace"), {"q": "4711"}).context["cases"] == []

    def test_controller_reads_but_may_not_act(self, city: Any, client: Client, case: Case) -> None:
        login(client, city.controller)
        body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert "Du kan läsa ärendet men inte handlägga det." in body
        assert reverse("cases:note", args=[case.pk]) not in body
        for action in ACTIONS:
            assert client.post(reverse(f"cases:{action}", args=[case.pk])).status_code == 403
        assert client.get(reverse("cases:phone")).status_code == 403
        assert not case.events.filter(kind=EventKind.NOTE).exists()

    def test_empty_post_by_a_handler_is_answered_on_the_page(self, city: Any, client: Client, case: Case) -> None:
        login(client, city.handler)
        for action in ACTIONS:
            response = client.post(reverse(f"cases:{action}", args=[case.pk]))
            assert response.status_code in (200, 302), action
        assert client.post(reverse("cases:phone")).status_code == 200


def add_document(case: Case, content: bytes = b"%PDF-1.4\n% test\n") -> CaseDocument:
    sha = hashlib.sha256(content).hexdigest()
    document = CaseDocument(case=case, original_name="faktura.pdf", content_type="application/pdf", size=len(content), sha256=sha)
    document.file.save(sha, ContentFile(content), save=False)
    document.save()
    return document


# --- the workspace ----------------------------------------------------------------


@pytest.mark.django_db
class TestWorkspace:
    def test_queues_with_counts_and_the_list(self, city: Any, client: Client, case_type: Any) -> None:
        first = register(city, case_type, subject="Första")
        urgent = register(
            city, CaseTypeFactory(process=city.process, code="ANSTAND", name="Anstånd", urgent=True), subject="Bråttom"
        )
        response = login(client, city.handler).get(reverse("cases:workspace"), {"ko": "otilldelade"})
        assert response.status_code == 200
        body = response.content.decode()
        for label in ("Mina", "Teamets otilldelade", "Förfaller idag", "Försenade", "Väntar på kund", "Brådskande"):
            assert label in body
        assert body.index(urgent.number) < body.index(first.number)  # urgent first
        queues = {q["key"]: q["count"] for q in response.context["queues"]}
        assert queues["otilldelade"] == 2 and queues["bradskande"] == 1 and queues["mina"] == 0
        assert "i tid" in body  # the badge says it in words
        assert 'hx-get="/arenden/?ko=mina"' in body and 'hx-push-url="true"' in body

    def test_htmx_gets_only_the_workspace_fragment(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).get(reverse("cases:workspace"), {"ko": "alla"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body and case.number in body
        assert "HX-Request" in response["Vary"]

    def test_overdue_and_soon_badges(self, city: Any, client: Client, case_type: Any) -> None:
        late = register(city, case_type, subject="Sen")
        Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
        body = login(client, city.handler).get(reverse("cases:workspace"), {"ko": "forsenade"}).content.decode()
        assert late.number in body and "försenat" in body

    def test_search_by_number_opens_the_case(self, city: Any, client: Client, case: Case) -> None:
        login(client, city.handler)
        response = client.get(reverse("cases:workspace"), {"q": case.number.lower()})
        assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
        htmx = client.get(reverse("cases:workspace"), {"q": case.number}, HTTP_HX_REQUEST="true")
        assert htmx["HX-Redirect"] == reverse("cases:detail", args=[case.pk])
        words = client.get(reverse("cases:workspace"), {"q": "4711"})
        assert words.status_code == 200 and case.number in words.content.decode()

    def test_manager_picks_a_team(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.head_of_area).get(reverse("cases:workspace"), {"team": city.team_a.pk, "ko": "alla"})
        assert response.context["scope"].selected == city.team_a
        assert case.number in response.content.decode()
        response = client.get(reverse("cases:workspace"), {"team": city.team_b.pk, "ko": "alla"})
        assert case.number not in response.content.decode()

    def test_take_next(self, city: Any, client: Client, case: Case) -> None:
        login(client, city.handler)
        response = client.post(reverse("cases:take-next"))
        assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
        case.refresh_from_db()
        assert case.assignee == city.handler and case.status == CaseStatus.IN_PROGRESS
        response = client.post(reverse("cases:take-next"), follow=True)
        assert "kön är tom" in " ".join(messages_of(response))

    def test_controller_cannot_take_from_a_picked_team(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.controller).post(reverse("cases:take-next"), {"team": city.team_a.pk})
        assert response.status_code == 403
        case.refresh_from_db()
        assert case.assignee is None

    def test_query_count_does_not_grow_with_the_cases(self, city: Any, client: Client, case_type: Any) -> None:
        def make(n: int) -> None:
            reason = ReturnReasonFactory()
            for i in range(n):
                case = register(city, case_type, subject=f"Ärende {i}")
                services.case_add_note(actor=city.handler, case=case, text="anteckning")
                if i % 3 == 0:
                    services.case_assign(actor=city.handler, case=case, assignee=city.handler)
                if i % 5 == 0:
                    services.case_return_for_completion(actor=city.handler, case=case, reasons=[reason])

        def count(queue: str) -> int:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("cases:workspace"), {"ko": queue})
            assert response.status_code == 200
            return len(queries)

        login(client, city.handler)
        make(3)
        few = {queue: count(queue) for queue in ("alla", "mina", "vantar")}
        make(27)
        many = {queue: count(queue) for queue in ("alla", "mina", "vantar")}
        assert few == many
        assert many["alla"] < 25


# --- a case's page and its actions ---------------------------------------------


@pytest.mark.django_db
class TestDetail:
    def test_header_timeline_documents_and_returns(self, city: Any, client: Client, case: Case) -> None:
        services.case_add_note(actor=city.handler, case=case, text="Ring tillbaka i morgon")
        reason = ReturnReasonFactory(text="Attest saknas")
        services.case_return_for_completion(actor=city.handler, case=case, reasons=[reason], free_text="Kontering")
        document = add_document(case)
        body = login(client, city.handler).get(reverse("cases:detail", args=[case.pk])).content.decode()
        for text in (
            case.number,
            city.customer_x.name,
            "Manuell leverantörsfaktura",
            "Väntar på kund",
            "Team A",
            "E-post",
            "Kim Kontakt",
        ):
            assert text in body, text
        assert "Intern anteckning – syns inte för kunden" in body and "Ring tillbaka i morgon" in body
        assert body.index("Registrerat") < body.index("Ring tillbaka i morgon")  # newest last
        assert "Attest saknas" in body and "Kontering" in body and "pausad" in body
        assert reverse("cases:document", args=[case.pk, document.pk]) in body

    def test_composers_are_marked_for_the_shortcuts(self, city: Any, client: Client, case: Case) -> None:
        body = login(client, city.handler).get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert 'data-composer="note"' in body and 'data-composer="reply"' in body
        assert "ester/cases.js" in body and "Kortkommandon" in body

    def test_query_count_does_not_grow_with_the_timeline(self, city: Any, client: Client, case: Case) -> None:
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
            return len(queries)

        login(client, city.handler)
        services.case_return_for_completion(actor=city.handler, case=case, reasons=[ReturnReasonFactory()])
        services.case_complete_by_customer(actor=None, case=case)
        add_document(case)
        few = count()
        for i in range(20):
            services.case_add_note(actor=city.handler, case=case, text=f"anteckning {i}")
        add_document(case, b"%PDF-1.4\n% two\n")
        assert count() == few

    def test_document_download(self, city: Any, client: Client, case: Case) -> None:
        document = add_document(case, b"%PDF-1.4\n% original\n")
        response = login(client, city.handler).get(reverse("cases:document", args=[case.pk, document.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4\n% original\n"
        assert "faktura.pdf" in response["Content-Disposition"]
        other = register(city, CaseTypeFactory(process=city.process, code="X2", name="Annan"))
        assert client.get(reverse("cases:document", args=[other.pk, document.pk])).status_code == 404

    def test_note(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(reverse("cases:note", args=[case.pk]), {"note-text": "Kollat med kunden"})
        assert response.status_code == 302 and response["Location"].endswith("#tidslinje")
        note = case.events.get(kind=EventKind.NOTE)
        assert note.internal and note.text == "Kollat med kunden" and note.actor == city.handler
        assert "Anteckningen är sparad" in " ".join(messages_of(client.get(response["Location"])))

    def test_reply(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(reverse("cases:reply", args=[case.pk]), {"reply-text": "Betalt i dag."})
        assert response.status_code == 302
        event = case.events.get(kind=EventKind.MESSAGE_OUT)
        assert not event.internal and event.text == "Betalt i dag."
        case.refresh_from_db()
        assert case.first_response_at is not None

    def test_return_for_completion_with_two_reasons(self, city: Any, client: Client, case: Case) -> None:
        attest = ReturnReasonFactory(text="Attest saknas", process=city.process)
        due = ReturnReasonFactory(text="Förfallodatum saknas")
        ReturnReasonFactory(text="Gammal orsak", active=False)
        login(client, city.handler)
        body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert "Attest saknas" in body and "Gammal orsak" not in body
        response = client.post(
            reverse("cases:return", args=[case.pk]), {"return-reasons": [attest.pk, due.pk], "return-free_text": "Kontering"}
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.WAITING
        request = ReturnRequest.objects.get(case=case)
        assert set(request.reasons.all()) == {attest, due}
        assert "Attest saknas" in request.letter_body and "Kontering" in request.letter_body

    def test_assign_to_me_to_a_colleague_and_back_to_the_queue(self, city: Any, client: Client, case: Case) -> None:
        from ester.core.access import Role
        from ester.organisation.tests.factories import RoleAssignmentFactory, UserFactory

        colleague = UserFactory(username="kollega", first_name="Kim", last_name="Kollega")
        RoleAssignmentFactory(user=colleague, role=Role.HANDLER, team=city.team_a)
        login(client, city.handler)
        url = reverse("cases:assign", args=[case.pk])
        assert client.post(url, {"assign-assignee": city.handler.pk}).status_code == 302
        case.refresh_from_db()
        assert case.assignee == city.handler
        assert client.post(url, {"assign-assignee": colleague.pk}).status_code == 302
        case.refresh_from_db()
        assert case.assignee == colleague
        response = client.post(url, {"assign-assignee": "ko"}, follow=True)
        case.refresh_from_db()
        assert case.assignee is None and "ligger i teamets kö" in " ".join(messages_of(response))

    def test_assign_to_someone_outside_the_team_is_refused(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(
            reverse("cases:assign", args=[case.pk]), {"assign-assignee": city.handler_b.pk}
        )
        assert response.status_code == 200
        assert "Välj ett giltigt alternativ" in response.content.decode()
        case.refresh_from_db()
        assert case.assignee is None

    def test_hand_over_to_another_team(self, city: Any, client: Client, case: Case) -> None:
        services.case_assign(actor=city.handler, case=case, assignee=city.handler)
        login(client, city.handler)
        body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert 'id="lamna-over"' in body and reverse("cases:hand-over", args=[case.pk]) in body
        assert f'<option value="{city.team_b.pk}">Team B (Enhet 2)</option>' in body
        assert f'<optgroup label="{city.area.name}">' in body and 'for="id_hand_over-reason"' in body
        response = client.post(
            reverse("cases:hand-over", args=[case.pk]),
            {"hand_over-team": city.team_b.pk, "hand_over-reason": "Kunden byter team"},
            follow=True,
        )
        # team A's handler no longer sees the case: back to the workspace, with a message
        assert response.redirect_chain[-1][0] == reverse("cases:workspace")
        assert f"Ärende {case.number} är överlämnat till Team B" in " ".join(messages_of(response))
        case.refresh_from_db()
        assert case.team == city.team_b and case.assignee is None and case.status == CaseStatus.HANDED_OVER
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
        login(client, city.handler_b)
        body = client.get(reverse("cases:workspace"), {"ko": "otilldelade"}).content.decode()
        assert case.number in body
        body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert "Överlämnat till ett annat team" in body and "Team A → Team B" in body and "Kunden byter team" in body
        assert client.post(reverse("cases:assign", args=[case.pk]), {"assign-assignee": city.handler_b.pk}).status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_PROGRESS and case.assignee == city.handler_b

    def test_a_manager_who_still_sees_the_case_returns_to_it(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.unit_manager).post(
            reverse("cases:hand-over", args=[case.pk]), {"hand_over-team": city.team_b.pk, "hand_over-reason": "Omfördelning"}
        )
        assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])

    def test_close_reopen_and_void(self, city: Any, client: Client, case: Case) -> None:
        login(client, city.handler)
        response = client.post(
            reverse("cases:close", args=[case.pk]), {"close-text": "Klart", "close-first_contact_resolved": "on"}
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.CLOSED and case.first_contact_resolved
        body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert reverse("cases:reopen", args=[case.pk]) in body and reverse("cases:close", args=[case.pk]) not in body
        assert client.post(reverse("cases:reopen", args=[case.pk]), {"reopen-reason": "Kunden hörde av sig"}).status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.NEW
        assert client.post(reverse("cases:void", args=[case.pk]), {"void-reason": "Dubblett"}).status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.VOIDED and case.status_reason == "Dubblett"


@pytest.mark.django_db
class TestBadInput:
    def test_empty_note(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(reverse("cases:note", args=[case.pk]), {"note-text": "   "})
        assert response.status_code == 200
        assert "Skriv något i anteckningen." in response.content.decode()
        assert not case.events.filter(kind=EventKind.NOTE).exists()

    def test_empty_reply(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(reverse("cases:reply", args=[case.pk]), {"reply-text": ""})
        assert response.status_code == 200 and "Skriv ett svar." in response.content.decode()
        assert not case.events.filter(kind=EventKind.MESSAGE_OUT).exists()

    def test_return_without_reason(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(reverse("cases:return", args=[case.pk]), {"return-free_text": ""})
        assert response.status_code == 200
        assert "Välj minst en returorsak eller beskriv vad som saknas." in response.content.decode()
        case.refresh_from_db()
        assert case.status == CaseStatus.NEW and not ReturnRequest.objects.exists()

    def test_void_without_reason(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(reverse("cases:void", args=[case.pk]), {"void-reason": ""})
        assert response.status_code == 200
        assert "Ange varför ärendet makuleras." in response.content.decode()
        case.refresh_from_db()
        assert case.status == CaseStatus.NEW and not case.events.filter(kind=EventKind.VOIDED).exists()

    def test_reopen_without_reason(self, city: Any, client: Client, case: Case) -> None:
        services.case_close(actor=city.handler, case=case)
        response = login(client, city.handler).post(reverse("cases:reopen", args=[case.pk]), {"reopen-reason": ""})
        assert response.status_code == 200 and "Ange varför ärendet öppnas igen." in response.content.decode()
        case.refresh_from_db()
        assert case.status == CaseStatus.CLOSED

    def test_closing_a_waiting_case_says_why_not(self, city: Any, client: Client, case: Case) -> None:
        services.case_return_for_completion(actor=city.handler, case=case, reasons=[ReturnReasonFactory()])
        response = login(client, city.handler).post(reverse("cases:close", args=[case.pk]), {})
        assert response.status_code == 200 and "Ärendet väntar på kunden." in response.content.decode()
        case.refresh_from_db()
        assert case.status == CaseStatus.WAITING

    def test_assign_without_choice(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(reverse("cases:assign", args=[case.pk]), {})
        assert response.status_code == 200 and "Välj vem ärendet ska tilldelas." in response.content.decode()

    def test_hand_over_without_team_or_reason(self, city: Any, client: Client, case: Case) -> None:
        login(client, city.handler)
        url = reverse("cases:hand-over", args=[case.pk])
        body = client.post(url, {"hand_over-reason": "Fel team"}).content.decode()
        assert "Välj vilket team ärendet ska lämnas över till." in body
        body = client.post(url, {"hand_over-team": city.team_b.pk, "hand_over-reason": " "}).content.decode()
        assert "Skriv varför ärendet lämnas över" in body and 'id="lamna-over"' in body
        body = client.post(url, {"hand_over-team": city.team_a.pk, "hand_over-reason": "Fel team"}).content.decode()
        assert "Välj ett av teamen i listan." in body  # its own team is not offered
        case.refresh_from_db()
        assert case.team == city.team_a and case.status == CaseStatus.NEW

    def test_a_closed_case_is_not_handed_over(self, city: Any, client: Client, case: Case) -> None:
        services.case_close(actor=city.handler, case=case)
        login(client, city.handler)
        assert (
            reverse("cases:hand-over", args=[case.pk]) not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        )
        response = client.post(
            reverse("cases:hand-over", args=[case.pk]), {"hand_over-team": city.team_b.pk, "hand_over-reason": "Fel team"}
        )
        assert response.status_code == 200 and "kan inte lämnas över" in response.content.decode()
        case.refresh_from_db()
        assert case.team == city.team_a and case.status == CaseStatus.CLOSED


# --- phone ---------------------------------------------------------------------


@pytest.mark.django_db
class TestPhone:
    def test_a_call_resolved_at_first_contact(self, city: Any, client: Client, case_type: Any) -> None:
        login(client, city.handler)
        page = client.get(reverse("cases:phone"))
        assert page.status_code == 200
        assert city.customer_x.name in page.content.decode() and city.customer_y.name not in page.content.decode()
        response = client.post(
            reverse("cases:phone"),
            {
                "customer": city.customer_x.pk,
                "case_type": case_type.pk,
                "sender_name": "Kim Kontakt",
                "sender_phone": "08-123 45",
                "description": "Frågade om fakturan",
                "first_contact_resolved": "on",
            },
        )
        assert response.status_code == 302
        case = Case.objects.get()
        assert case.channel == CaseChannel.PHONE and case.sender_phone == "08-123 45"
        assert case.status == CaseStatus.CLOSED and case.first_contact_resolved and case.assignee == city.handler
        assert case.subject == "Telefonsamtal: Manuell leverantörsfaktura"
        assert "löst vid första kontakten" in " ".join(messages_of(client.get(response["Location"])))

    def test_a_call_that_needs_work_lands_with_me(self, city: Any, client: Client, case_type: Any) -> None:
        login(client, city.handler)
        data = {
            "customer": city.customer_x.pk,
            "case_type": case_type.pk,
            "sender_name": "Kim",
            "subject": "Påminnelse",
            "assign_to_me": "on",
        }
        assert client.post(reverse("cases:phone"), data).status_code == 302
        case = Case.objects.get()
        assert case.status == CaseStatus.IN_PROGRESS and case.assignee == city.handler and case.subject == "Påminnelse"

    def test_missing_fields_say_which(self, city: Any, client: Client, case_type: Any) -> None:
        login(client, city.handler)
        response = client.post(reverse("cases:phone"), {"customer": city.customer_x.pk, "case_type": case_type.pk})
        assert response.status_code == 200
        assert "Ange avsändare" in response.content.decode()
        response = client.post(reverse("cases:phone"), {})
        body = response.content.decode()
        assert "Välj vilken kund samtalet gäller." in body and "Välj ärendetyp." in body
        assert not Case.objects.exists()

    def test_a_customer_out_of_sight_cannot_be_chosen(self, city: Any, client: Client, case_type: Any) -> None:
        login(client, city.handler)
        data = {"customer": city.customer_y.pk, "case_type": case_type.pk, "sender_name": "Yvonne"}
        response = client.post(reverse("cases:phone"), data)
        assert response.status_code == 200 and not Case.objects.exists()

    def test_a_call_on_an_existing_case_is_a_note(self, city: Any, client: Client, case: Case) -> None:
        login(client, city.handler)
        page = client.get(reverse("cases:phone"), {"arende": case.number})
        assert page.status_code == 200 and f"Samtal om ärende {case.number}" in page.content.decode()
        response = client.post(
            reverse("cases:phone"),
            {"arende": case.number, "sender_name": "Kim", "sender_phone": "08-1", "text": "Undrade om status"},
        )
        assert response.status_code == 302 and response["Location"].startswith(reverse("cases:detail", args=[case.pk]))
        note = case.events.get(kind=EventKind.NOTE)
        assert note.internal and note.text == "Telefonsamtal med Kim, 08-1: Undrade om status"

    def test_an_empty_call_note_changes_nothing(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler).post(reverse("cases:phone"), {"arende": case.number, "text": ""})
        assert response.status_code == 200 and "Skriv något i anteckningen." in response.content.decode()
        assert not CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).exists()

    def test_unknown_or_foreign_number(self, city: Any, client: Client, case: Case) -> None:
        response = login(client, city.handler_b).get(reverse("cases:phone"), {"arende": case.number})
        body = response.content.decode()
        assert response.status_code == 200 and "Det finns inget ärende med numret" in body
        assert case.subject not in body
        response = client.post(reverse("cases:phone"), {"arende": case.number, "text": "hej"})
        assert response.status_code == 200 and not case.events.filter(kind=EventKind.NOTE).exists()


@pytest.mark.django_db
def test_priority_and_urgent_are_set_on_the_case_page(city, client):
    from ester.cases import services as case_services
    from ester.cases.choices import CaseChannel, EventKind
    from ester.cases.tests.factories import CaseTypeFactory

    case_type = CaseTypeFactory(process=city.process, code="PRIO", name="Prioriteringstest")
    case = case_services.case_register(
        actor=city.handler, customer=city.customer_x, case_type=case_type, channel=CaseChannel.EMAIL, sender_name="K", subject="S"
    )
    client.force_login(city.handler)
    url = reverse("cases:priority", args=[case.pk])
    response = client.post(url, {"priority-priority": "3", "priority-urgent": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.priority == 3 and case.urgent
    assert case.events.filter(kind=EventKind.PRIORITY, internal=True).exists()
    assert client.post(url, {"priority-priority": "9"}).status_code in (200, 400)
    client.force_login(city.handler_b)
    assert client.post(url, {"priority-priority": "1"}).status_code == 404
